// Placeholder build step for the WebAssembly kernels (filled in by the ring-engine work).
