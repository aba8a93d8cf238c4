// Runs one Conv (ONNX opset 17) in ONNX Runtime through onnxruntime-node: the reference our conv kernels are compared with.
//   node bench/ort/conv.mjs '<json>'
// json: {"cin", "cout", "h", "w", "k", "pad", "stride", "dilation", "group", "batch"?, "threads"?,
//        "io"?: PREFIX  -> read PREFIX.x/.w/.b (raw float32 LE), run once, write PREFIX.y
//        "seconds"?, "reps"?, "chain"? -> time session.run on random data; prints {"median_ms" (per Conv), "runs", "chain", "ort_version"}
//        "opt"?: ORT graph optimisation level (default "all", ORT's fastest here)}
// ORT is found in $FACEPARSE_ORT_DIR or <repo>/.tools/ort/node_modules/onnxruntime-node (installed by .ci/install-ort).
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const ortDir = process.env.FACEPARSE_ORT_DIR ?? path.join(here, '..', '..', '.tools', 'ort', 'node_modules', 'onnxruntime-node');
const ort = createRequire(import.meta.url)(ortDir);
const ortVersion = JSON.parse(readFileSync(path.join(ortDir, 'package.json'), 'utf8')).version;

// --- a minimal protobuf writer: just the ONNX ModelProto fields one Conv node needs ---
const varint = (v) => { const out = []; let n = BigInt(v); do { let b = Number(n & 0x7fn); n >>= 7n; if (n) b |= 0x80; out.push(b); } while (n); return out; };
const key = (field, wire) => varint((field << 3) | wire);
const int = (field, v) => [...key(field, 0), ...varint(v)];
const bytes = (field, data) => [...key(field, 2), ...varint(data.length), ...data];
const str = (field, s) => bytes(field, [...Buffer.from(s, 'utf8')]);
const msg = (field, parts) => bytes(field, parts.flat());

const FLOAT = 1, ATTR_INT = 2, ATTR_INTS = 7;
const ints = (name, values) => msg(5, [str(1, name), int(20, ATTR_INTS), ...values.map((v) => int(8, v))]);
const valueInfo = (field, name, dims) =>
  msg(field, [str(1, name), msg(2, [msg(1, [int(1, FLOAT), msg(2, dims.map((d) => msg(1, [int(1, d)])))])])]);
const initializer = (name, dims, data) =>
  msg(5, [...dims.map((d) => int(1, d)), int(2, FLOAT), str(8, name), bytes(9, [...new Uint8Array(data.buffer, data.byteOffset, data.byteLength)])]);

// chain > 1 (same in and out channels, stride 1): that many Convs in a row sharing one weight, so ORT's layout reorders
// (NCHW <-> its blocked NCHWc) and the binding's per-run cost are paid once per chain, as inside a network.
function convModel(c, weight, bias, ho, wo) {
  const names = Array.from({ length: c.chain + 1 }, (_, i) => (i === 0 ? 'x' : i === c.chain ? 'y' : `t${i}`));
  const nodes = names.slice(1).map((out, i) => msg(1, [str(1, names[i]), str(1, 'w'), str(1, 'b'), str(2, out), str(3, `conv${i}`), str(4, 'Conv'),
    ints('kernel_shape', [c.k, c.k]), ints('pads', [c.pad, c.pad, c.pad, c.pad]), ints('strides', [c.stride, c.stride]),
    ints('dilations', [c.dilation, c.dilation]), msg(5, [str(1, 'group'), int(20, ATTR_INT), int(3, c.group)])]));
  const graph = msg(7, [...nodes, str(2, 'conv'),
    initializer('w', [c.cout, c.cin / c.group, c.k, c.k], weight), initializer('b', [c.cout], bias),
    valueInfo(11, 'x', [c.batch, c.cin, c.h, c.w]), valueInfo(12, 'y', [c.batch, c.cout, ho, wo])]);
  return Uint8Array.from([...int(1, 8), ...msg(8, [str(1, ''), int(2, 17)]), ...str(2, 'faceparse-bench'), ...graph]);
}

const readF32 = (file) => { const b = readFileSync(file); return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4); };
const random = (n) => Float32Array.from({ length: n }, () => Math.random() - 0.5);

const c = { batch: 1, pad: 0, stride: 1, dilation: 1, group: 1, threads: 1, seconds: 0.2, reps: 11, chain: 1, ...JSON.parse(process.argv[2]) };
const xCount = c.batch * c.cin * c.h * c.w, wCount = c.cout * (c.cin / c.group) * c.k * c.k;
const [x, w, b] = c.io ? [readF32(c.io + '.x'), readF32(c.io + '.w'), readF32(c.io + '.b')] : [random(xCount), random(wCount), random(c.cout)];
if (x.length !== xCount || w.length !== wCount || b.length !== c.cout) throw new Error(`input sizes ${x.length}/${w.length}/${b.length} do not fit ${JSON.stringify(c)}`);
const [ho, wo] = [c.h, c.w].map((n) => Math.floor((n + 2 * c.pad - c.dilation * (c.k - 1) - 1) / c.stride) + 1);
if (c.chain > 1 && (c.cin !== c.cout || ho !== c.h || wo !== c.w)) throw new Error('chain > 1 needs a Conv whose output shape equals its input shape');
if (c.io && c.chain !== 1) throw new Error('io runs one Conv (chain 1)');
const session = await ort.InferenceSession.create(convModel(c, w, b, ho, wo), {
  intraOpNumThreads: c.threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: c.opt ?? 'all',
});
const feeds = { x: new ort.Tensor('float32', x, [c.batch, c.cin, c.h, c.w]) };
// A pre-allocated output, so the timing does not include allocating (and page-faulting) a fresh result every run.
const fetches = { y: new ort.Tensor('float32', new Float32Array(c.batch * c.cout * ho * wo), [c.batch, c.cout, ho, wo]) };
if (c.io) {
  const y = (await session.run(feeds, fetches)).y.data;
  writeFileSync(c.io + '.y', new Uint8Array(y.buffer, y.byteOffset, y.byteLength));
  console.log(JSON.stringify({ outputs: y.length, ort_version: ortVersion }));
} else {
  // Warm-up, then repetitions of >= seconds/reps each; the median of their per-call times.
  let inner = 0; const t0 = process.hrtime.bigint();
  while (inner < 2 || Number(process.hrtime.bigint() - t0) / 1e9 < 0.2) { await session.run(feeds, fetches); inner++; }
  const perCall = Number(process.hrtime.bigint() - t0) / 1e9 / inner;
  const calls = Math.max(1, Math.round(c.seconds / c.reps / perCall));
  const times = [];
  for (let r = 0; r < c.reps; r++) {
    const s = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) await session.run(feeds, fetches);
    times.push(Number(process.hrtime.bigint() - s) / 1e6 / calls / c.chain);
  }
  times.sort((p, q) => p - q);
  console.log(JSON.stringify({ median_ms: times[times.length >> 1], runs: c.reps * calls, chain: c.chain, ort_version: ortVersion }));
}
