// First-touch page faults are expensive on some machines (about 10 µs per 4 KiB page on this
// project's VMs: 0.5 s for the 188 MB of MNIST's training images as float32). While the main
// thread inflates and decodes into a fresh shared array, a helper thread touches its pages
// ahead of it, so the faults are taken on the second core. Atomics.add(x, 0) faults the page
// in for writing and never changes a value, even when it races the decoder.

const PREFAULT_BYTES = 16 << 20;

const SOURCE = `self.onmessage = (e) => {
  const a = new Int32Array(e.data);
  for (let i = 0, n = a.length; i < n; i += 1024) Atomics.add(a, i, 0);
};`;

let helper: Worker | null = null;

/** Starts the helper thread early (it takes tens of milliseconds to start), for a large file. */
export function startPrefault(fileBytes: number): void {
  if (fileBytes < PREFAULT_BYTES / 16 || helper) return;
  try {
    const url = URL.createObjectURL(new Blob([SOURCE], { type: "text/javascript" }));
    helper = new Worker(url, { type: "module" });
  } catch {
    helper = null; // no Workers here: the decoder takes the faults itself
  }
}

/** Faults in `buffer`'s pages on the helper thread, when it is large. */
export function prefault(buffer: SharedArrayBuffer): void {
  if (buffer.byteLength >= PREFAULT_BYTES) helper?.postMessage(buffer);
}

/** Stops the helper (it would keep the process alive). */
export function stopPrefault(): void {
  helper?.terminate();
  helper = null;
}
