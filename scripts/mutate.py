"""Injected bugs: each applied to a fresh clone of this repository, the test files that should
catch it run; prints CAUGHT or MISSED per bug. Usage: python3 scripts/mutate.py [index ...]"""
import os, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = tempfile.mkdtemp(prefix="netsweep-mutate-")
subprocess.run(["git", "clone", "-q", ROOT, WORK], check=True)
if os.path.isdir(os.path.join(ROOT, "node_modules")):
    os.symlink(os.path.join(ROOT, "node_modules"), os.path.join(WORK, "node_modules"))
M = [
 ("L2 decay by mini-batch size, not n", "src/network/sgd.ts", "const decay = 1 - eta * (lmbda / n + weightDecay);", "const decay = 1 - eta * (lmbda / size + weightDecay);", ["tests/checks_test.ts"]),
 ("optimisers' path: L2 by mini-batch size", "src/network/sgd.ts", "const k2 = lmbda / n + weightDecay;", "const k2 = lmbda / size + weightDecay;", ["tests/checks_test.ts"]),
 ("optimisers' path: L1 without sign", "src/network/sgd.ts", "g[i] += k2 * w[i] + k1 * Math.sign(w[i]);", "g[i] += k2 * w[i] + k1 * w[i];", ["tests/checks_test.ts"]),
 ("compare ignores lower-is-better", "src/results/compare.ts", "const lowerBetter = METRIC_INFO[metric].lowerIsBetter;", "const lowerBetter = false && METRIC_INFO[metric].lowerIsBetter;", ["tests/checks_test.ts","tests/compare_test.ts"]),
 ("Sattolo's cycle instead of a shuffle", "src/prng.ts", "const j = this.nextInt(i + 1);", "const j = this.nextInt(i);", ["tests/checks_test.ts"]),
 ("PRNG rotation changed", "src/prng.ts", "this.#s3 = rotl(this.#s3, 11);", "this.#s3 = rotl(this.#s3, 12);", ["tests/checks_test.ts"]),
 ("cross-entropy without its 1 - a term", "src/network/functions.ts", "c -= Math.log(Math.max(j === label ? aj : 1 - aj, LOG_FLOOR));", "if (j === label) c -= Math.log(Math.max(aj, LOG_FLOOR));", ["tests/checks_test.ts"]),
 ("L2 cost without its 1/2", "src/network/network.ts", "return cost / size + 0.5 * ((reg.lmbda ?? 0) / size) * squares +", "return cost / size + 1 * ((reg.lmbda ?? 0) / size) * squares +", ["tests/checks_test.ts"]),
 ("planned epochs ceil -> floor", "src/network/sgd.ts", "return Math.ceil(o.iterations / Math.max(1, Math.floor(n / o.miniBatchSize)));", "return Math.floor(o.iterations / Math.max(1, Math.floor(n / o.miniBatchSize)));", ["tests/checks_test.ts"]),
 ("loader helper thread never starts", "src/data/_offthread.ts", "const worker = new Worker(url, { type: \"module\" });", "const worker = new Worker(url, { type: \"module\" }); if (url) return null;", ["tests/checks_test.ts"]),
 ("Adam without bias correction", "src/network/optimizers/adam.ts", "const etaT = (eta * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);", "const etaT = eta;", ["tests/checks_test.ts"]),
 ("batch-norm running momentum 0.99", "src/network/layers/_batch_norm.ts", "const BN_MOMENTUM = 0.9;", "const BN_MOMENTUM = 0.99;", ["tests/checks_test.ts"]),
 ("halving keeps ceil(n/factor)", "src/sweep/halving.ts", "const keep = Math.max(1, Math.floor(population.length / prune.factor));", "const keep = Math.max(1, Math.ceil(population.length / prune.factor));", ["tests/search_test.ts"]),
 ("seed from every field (epochs too)", "src/experiment/expand.ts", "return Object.fromEntries(SHAPING_KEYS.map((k) => [k, s[k]]));", "return { ...s };", ["tests/results_test.ts"]),
 ("stale reload overwrites this process's records", "src/sweep/output.ts", "if (mine && (change > since || this.#running.has(id))) records.set(id, mine);", "if (mine && this.#running.has(id)) records.set(id, mine);", ["tests/search_test.ts"]),
 ("L1 step without its 1/n", "src/network/sgd.ts", "if (l1 !== 0) shrink(p.data, (eta * l1) / n);", "if (l1 !== 0) shrink(p.data, eta * l1);", ["tests/gradients_test.ts","tests/checks_test.ts","tests/network_test.ts"]),
 ("weight decay scaled by 1/n", "src/network/sgd.ts", "const decay = 1 - eta * (lmbda / n + weightDecay);", "const decay = 1 - eta * ((lmbda + weightDecay) / n);", ["tests/checks_test.ts","tests/gradients_test.ts","tests/network_test.ts"]),
 # Issue 21: each kind of bug and its variants, caught by the tests/kinds_*_test.ts files.
 ("batch-norm running variance unbiased", "src/network/layers/_batch_norm.ts", "(1 - BN_MOMENTUM) * variance;", "(1 - BN_MOMENTUM) * (variance * m / (m - 1));", ["tests/kinds_test.ts"]),
 ("batch-norm running mean: momentum on the wrong side", "src/network/layers/_batch_norm.ts", "runMean[j] = BN_MOMENTUM * runMean[j] + (1 - BN_MOMENTUM) * mean;", "runMean[j] = (1 - BN_MOMENTUM) * runMean[j] + BN_MOMENTUM * mean;", ["tests/kinds_test.ts"]),
 ("batch-norm running variance of sigma, not sigma squared", "src/network/layers/_batch_norm.ts", "(1 - BN_MOMENTUM) * variance;", "(1 - BN_MOMENTUM) * std[j];", ["tests/kinds_test.ts"]),
 ("batch-norm evaluation with the batch's statistics", "src/network/layers/_batch_norm.ts", "if (mode === \"eval\") {", "if (mode === \"none\") {", ["tests/kinds_test.ts"]),
 ("dropout evaluation scales by p", "src/network/layers/dense.ts", "} else alpha = 1 - dropout;", "} else alpha = dropout;", ["tests/kinds_test.ts"]),
 ("dropout evaluation unscaled (inverted dropout's)", "src/network/layers/dense.ts", "} else alpha = 1 - dropout;", "} else alpha = 1;", ["tests/kinds_test.ts"]),
 ("a layer's own dropout ignored", "src/network/layers/registry.ts", "const dropout = s.dropout ?? (isFirst ? 0 : spec.dropout);", "const dropout = isFirst ? 0 : spec.dropout;", ["tests/kinds_test.ts"]),
 ("dropout on a 3-D input's first layer silently ignored", "src/network/layers/registry.ts", "if (isFirst && dropout > 0) {", "if (isFirst && dropout > 0 && inShape.length === 1) {", ["tests/kinds_test.ts"]),
 ("eta schedule: patience one epoch more lenient", "src/network/sgd.ts", "else if (epoch - scheduleBestEpoch >= schedule.patience) {", "else if (epoch - scheduleBestEpoch > schedule.patience) {", ["tests/kinds_train_test.ts"]),
 ("eta schedule: patience one epoch stricter", "src/network/sgd.ts", "else if (epoch - scheduleBestEpoch >= schedule.patience) {", "else if (epoch - scheduleBestEpoch >= schedule.patience - 1) {", ["tests/kinds_train_test.ts"]),
 ("eta schedule: halving does not restart the count", "src/network/sgd.ts", "scheduleBestEpoch = epoch; // another", "// another", ["tests/kinds_train_test.ts"]),
 ("eta schedule: an equal accuracy is an improvement", "src/network/sgd.ts", "if (acc > scheduleBest)", "if (acc >= scheduleBest)", ["tests/kinds_train_test.ts"]),
 ("eta schedule: stop without float tolerance", "src/network/sgd.ts", "if (eta <= options.eta * schedule.stopAt * (1 + 1e-9)) {", "if (eta <= options.eta * schedule.stopAt) {", ["tests/kinds_train_test.ts"]),
 ("early stopping one epoch more lenient", "src/network/sgd.ts", "else if (epoch - bestEpoch >= options.earlyStopping) {", "else if (epoch - bestEpoch > options.earlyStopping) {", ["tests/kinds_train_test.ts"]),
 ("early stopping one epoch stricter", "src/network/sgd.ts", "else if (epoch - bestEpoch >= options.earlyStopping) {", "else if (epoch - bestEpoch >= options.earlyStopping - 1) {", ["tests/kinds_train_test.ts"]),
 ("replacement sampling never draws the last image", "src/network/sgd.ts", "ws.rows[e] = rng.nextInt(n);", "ws.rows[e] = rng.nextInt(n - 1);", ["tests/kinds_train_test.ts"]),
 ("replacement sampling never draws image 0", "src/network/sgd.ts", "ws.rows[e] = rng.nextInt(n);", "ws.rows[e] = 1 + rng.nextInt(n - 1);", ["tests/kinds_train_test.ts"]),
 ("nextInt never returns n - 1", "src/prng.ts", "return r % n;", "return r % Math.max(1, n - 1);", ["tests/kinds_train_test.ts"]),
 ("nextInt with modulo bias", "src/prng.ts", "while (r >= limit) r = this.nextUint32();", "", ["tests/kinds_train_test.ts"]),
 ("shuffled epochs drop the short last batch", "src/network/sgd.ts", "const limit = sampling === \"sequential\" ? itersPerEpoch * m : n;", "const limit = itersPerEpoch * m;", ["tests/kinds_train_test.ts"]),
 ("CSV comma unquoted", "src/store/csv.ts", "return /[\",\\r\\n]/.test(s)", "return /[\"\\r\\n]/.test(s)", ["tests/kinds_io_test.ts"]),
 ("CSV newline unquoted", "src/store/csv.ts", "return /[\",\\r\\n]/.test(s)", "return /[\",\\r]/.test(s)", ["tests/kinds_io_test.ts"]),
 ("CSV carriage return unquoted", "src/store/csv.ts", "return /[\",\\r\\n]/.test(s)", "return /[\",\\n]/.test(s)", ["tests/kinds_io_test.ts"]),
 ("CSV quotes not doubled", "src/store/csv.ts", "`\"${s.replaceAll('\"', '\"\"')}\"`", "`\"${s}\"`", ["tests/kinds_io_test.ts"]),
 ("loadDataset's default scale 256", "src/data/dataset.ts", "scale: options.scale ?? 255", "scale: options.scale ?? 256", ["tests/kinds_io_test.ts"]),
 ("readArchive's default scale 256", "src/data/archive.ts", "pixelTable(options.scale ?? 255)", "pixelTable(options.scale ?? 256)", ["tests/kinds_io_test.ts"]),
 ("an experiment's default scale 256", "src/experiment/fields.ts", "    default: 255,", "    default: 256,", ["tests/kinds_io_test.ts"]),
 ("float pixels scaled too", "src/data/_offthread.ts", "dst.set(new Float32Array(src.buffer, src.byteOffset + offset, count), pos);", "dst.set(new Float32Array(src.buffer, src.byteOffset + offset, count).map((v) => v * 256 * table[1]), pos);", ["tests/kinds_io_test.ts"]),
]
only = sys.argv[1:] 
for i,(name,f,old,new,tests) in enumerate(M):
    if only and str(i) not in only: continue
    p=os.path.join(WORK, f); s=open(p).read()
    assert s.count(old)==1, (name, s.count(old))
    open(p,'w').write(s.replace(old,new))
    t=time.time()
    r=subprocess.run(['deno','test','-A','--no-check',*tests],cwd=WORK,capture_output=True,text=True,timeout=900,env={**os.environ,'NO_COLOR':'1'})
    open(p,'w').write(s)
    fails=[l for l in r.stdout.splitlines() if 'FAILED' in l and '=>' not in l][:3]
    print(f"{i:2} {'CAUGHT' if r.returncode else 'MISSED'} {name} ({time.time()-t:.0f}s) {fails[:2]}", flush=True)
