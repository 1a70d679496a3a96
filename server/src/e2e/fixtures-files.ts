/** Small real files for upload tests: a PNG drawn with pngjs (a scanned certificate stand-in). */
import { PNG } from 'pngjs';

export function smallPng(width = 120, height = 80): Buffer {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (width * y + x) << 2;
      const border = x < 4 || y < 4 || x >= width - 4 || y >= height - 4;
      png.data[i] = border ? 11 : 250;
      png.data[i + 1] = border ? 87 : 250;
      png.data[i + 2] = border ? 197 : 245;
      png.data[i + 3] = 255;
    }
  return PNG.sync.write(png);
}
