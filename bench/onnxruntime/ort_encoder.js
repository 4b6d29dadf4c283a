// ONNX Runtime (npm onnxruntime-node) on the encoder export_encoder.py wrote: the time from the
// process's start to the first embedding (cold), then the warm session.run times, on a
// preprocessed 1x3x1024x1024 input (samc's in-process figure, bench_image_encoder, also starts
// from the preprocessed image). Run under bench_process, the process's start is the fork
// (BENCH_PROCESS_START), as for the official python; else node's own start.
// setup: npm install --ignore-scripts onnxruntime-node   (the CPU library ships in the package;
//        its install script only fetches GPU parts, from a host this machine may not reach)
// usage: node ort_encoder.js MODEL.onnx THREADS WARM_ROUNDS
const t0 = process.env.BENCH_PROCESS_START ? 1e3 * +process.env.BENCH_PROCESS_START
                                           : Date.now() - process.uptime() * 1000;
const ort = require('onnxruntime-node');
(async () => {
  const [model, threads, rounds] = [process.argv[2], +process.argv[3], +process.argv[4]];
  const s = await ort.InferenceSession.create(model, {intraOpNumThreads: threads, interOpNumThreads: 1,
                                                       graphOptimizationLevel: 'all'});
  const x = new ort.Tensor('float32', new Float32Array(3 * 1024 * 1024).map((_, i) => (i % 255) / 64 - 2),
                           [1, 3, 1024, 1024]);
  let t = Date.now();
  await s.run({image: x});
  console.log('ort_version', require('onnxruntime-node/package.json').version);
  console.log('ort_first_run_s', ((Date.now() - t) / 1e3).toFixed(3));
  console.log('ort_process_s', ((Date.now() - t0) / 1e3).toFixed(3));
  const ts = [];
  for (let r = 0; r < rounds; r++) { t = Date.now(); await s.run({image: x}); ts.push((Date.now() - t) / 1e3); }
  ts.sort((a, b) => a - b);
  if (rounds > 0) {
    console.log('ort_warm_min_s', ts[0].toFixed(3));
    console.log('ort_warm_median_s', ts[ts.length >> 1].toFixed(3));
  }
})();
