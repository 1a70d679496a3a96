// An open-loop load at a truly fixed rate: one request every 1/rate seconds, each on a
// free keep-alive connection, its latency counted from the moment it was DUE (so a slow
// server cannot hide its stalls by delaying the next request: no coordinated omission).
//
// Why not autocannon's overallRate: its rate limiter lets every connection send
// back-to-back until it has made its share for the current second, then waits for the
// next one-second tick (autocannon/lib/httpClient.js, reqsMadeThisSecond). All
// connections start on the same tick, so "1,000 req/s on 20 connections" is a burst at
// full speed with 20 requests in flight for the first part of each second, then
// silence — the p99 it reports is the latency under saturation, not at 1,000 req/s.
import http from 'node:http';

/**
 * @param {{ port: number, rate: number, seconds: number, pathFor: () => string, headers?: Record<string, string> }} o
 * @returns {Promise<{ rate: number, sent: number, ok: number, non2xx: number, errors: number, p50: number, p90: number, p99: number, max: number }>}
 */
export function paced({ port, rate, seconds, pathFor, headers = {} }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const interval = 1000 / rate;
  const total = Math.round(rate * seconds);
  const latencies = [];
  let sent = 0;
  let done = 0;
  let non2xx = 0;
  let errors = 0;
  const start = performance.now();
  return new Promise((resolve) => {
    const finish = () => {
      agent.destroy();
      latencies.sort((a, b) => a - b);
      const pct = (p) => (latencies.length ? Number(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))].toFixed(2)) : NaN);
      resolve({ rate, sent, ok: latencies.length, non2xx, errors, p50: pct(50), p90: pct(90), p99: pct(99), max: pct(100) });
    };
    const fire = (due) => {
      const req = http.get({ host: '127.0.0.1', port, path: pathFor(), headers, agent }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode >= 200 && res.statusCode < 300) latencies.push(performance.now() - due);
          else non2xx++;
          if (++done === total) finish();
        });
      });
      req.on('error', () => {
        errors++;
        if (++done === total) finish();
      });
    };
    // Send every request that is due, then sleep until the next one is.
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) fire(start + sent++ * interval);
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now() - 0.5));
    };
    tick();
  });
}
