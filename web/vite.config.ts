import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The server (Fastify) serves web/dist at /; in development `npm run dev -w web`
// proxies the API to a server started with `node bin/tongban.mjs serve`.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1200,
  },
  server: {
    proxy: {
      '/api': { target: process.env.TONGBAN_API ?? 'http://127.0.0.1:3000', changeOrigin: false },
    },
  },
});
