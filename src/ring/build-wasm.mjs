// Install-time build step of the ring kernels (run by `npm run build`, hence by `npm install`):
// generates the WebAssembly text (kernels-wat.mjs), compiles it with wabt (pure JS, no install
// scripts, no download) and writes dist/src/ring/kernels.wasm next to the compiled loader.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';
import { kernelsWat } from './kernels-wat.mjs';

const out = fileURLToPath(new URL('../../dist/src/ring/kernels.wasm', import.meta.url));
const wabt = await wabtInit();
const mod = wabt.parseWat('kernels.wat', kernelsWat(), { simd: true, bulk_memory: true });
mod.validate();
const { buffer } = mod.toBinary({});
mod.destroy();
mkdirSync(fileURLToPath(new URL('.', `file://${out}`)), { recursive: true });
writeFileSync(out, buffer);
process.stdout.write(`ring kernels: ${buffer.length} bytes of WebAssembly -> ${out}\n`);
