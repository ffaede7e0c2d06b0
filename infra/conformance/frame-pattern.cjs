// The devstack's FramePattern (dev.mintrecorder.devstack.media.FramePattern) in JavaScript, bit for bit: an 8×8 grid
// of black (24) or white (232) luma cells, row-major: 16 sync bits, the 32-bit frame number (MSB first), a 16-bit
// check. Plain script (no module syntax) so both Node (publish/subscribe) and the browser page (player.html) load it.
(function (root) {
  const GRID = 8;
  const SYNC = 0xb38en;
  const BLACK = 24;
  const WHITE = 232;
  const MASK64 = (1n << 64n) - 1n;

  function check(number) {
    const h = (BigInt(number) * 0x9e3779b97f4a7c15n) & MASK64;
    return Number((h >> 40n) & 0xffffn);
  }

  function bits(frame) {
    const number = BigInt(frame) & 0xffffffffn;
    return (SYNC << 48n) | (number << 16n) | BigInt(check(number));
  }

  /** Paints frame's pattern over a luma plane (Uint8Array). Chroma is the caller's: 128 keeps it grey. */
  function encode(frame, luma, stride, width, height) {
    const b = bits(frame);
    const rows = [];
    for (let cellRow = 0; cellRow < GRID; cellRow++) {
      const row = new Uint8Array(width);
      for (let x = 0; x < width; x++) {
        const cell = cellRow * GRID + Math.floor((x * GRID) / width);
        row[x] = ((b >> BigInt(GRID * GRID - 1 - cell)) & 1n) ? WHITE : BLACK;
      }
      rows.push(row);
    }
    for (let y = 0; y < height; y++) {
      luma.set(rows[Math.floor((y * GRID) / height)], y * stride);
    }
  }

  /**
   * The frame number painted in a plane, or null. `sample(x, y)` returns the luma (0..255) of a pixel, so the same
   * decoder reads an I420 plane (Node) or RGBA canvas pixels (browser). Averages the middle half of each cell and
   * thresholds at the midpoint of the darkest and brightest cell, as the Java decoder does.
   */
  function decodeWith(sample, width, height) {
    if (width < GRID * 2 || height < GRID * 2) return null;
    const means = new Array(GRID * GRID);
    let min = 255;
    let max = 0;
    for (let cellRow = 0; cellRow < GRID; cellRow++) {
      const y0 = Math.floor((cellRow * height) / GRID);
      const y1 = Math.floor(((cellRow + 1) * height) / GRID);
      const qy = Math.max(0, Math.floor((y1 - y0) / 4));
      for (let cellCol = 0; cellCol < GRID; cellCol++) {
        const x0 = Math.floor((cellCol * width) / GRID);
        const x1 = Math.floor(((cellCol + 1) * width) / GRID);
        const qx = Math.max(0, Math.floor((x1 - x0) / 4));
        let sum = 0;
        let count = 0;
        for (let y = y0 + qy; y < y1 - qy; y++) {
          for (let x = x0 + qx; x < x1 - qx; x++) {
            sum += sample(x, y);
            count++;
          }
        }
        const mean = count === 0 ? 0 : sum / count;
        means[cellRow * GRID + cellCol] = mean;
        min = Math.min(min, mean);
        max = Math.max(max, mean);
      }
    }
    if (max - min < 64) return null;
    const threshold = (min + max) / 2;
    let b = 0n;
    for (let cell = 0; cell < GRID * GRID; cell++) {
      b = (b << 1n) | (means[cell] > threshold ? 1n : 0n);
    }
    if ((b >> 48n) !== SYNC) return null;
    const number = Number((b >> 16n) & 0xffffffffn);
    return Number(b & 0xffffn) === check(number) ? number : null;
  }

  function decode(luma, stride, width, height) {
    return decodeWith((x, y) => luma[y * stride + x], width, height);
  }

  /** RGBA pixels (canvas ImageData): BT.601 luma, which keeps black and white cells apart at any range. */
  function decodeRgba(rgba, width, height) {
    return decodeWith((x, y) => {
      const i = (y * width + x) * 4;
      return 0.299 * rgba[i] + 0.587 * rgba[i + 1] + 0.114 * rgba[i + 2];
    }, width, height);
  }

  const api = { GRID, encode, decode, decodeRgba, bits };
  if (typeof module === 'object' && module.exports) module.exports = api;
  root.FramePattern = api;
})(typeof globalThis !== 'undefined' ? globalThis : this);
