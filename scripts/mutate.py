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
]
only = sys.argv[1:] 
for i,(name,f,old,new,tests) in enumerate(M):
    if only and str(i) not in only: continue
    p=os.path.join(WORK, f); s=open(p).read()
    assert s.count(old)==1, (name, s.count(old))
    open(p,'w').write(s.replace(old,new))
    t=time.time()
    r=subprocess.run(['deno','test','-A','--no-check',*tests],cwd=WORK,capture_output=True,text=True,timeout=900)
    open(p,'w').write(s)
    fails=[l for l in r.stdout.splitlines() if 'FAILED' in l and '=>' not in l][:3]
    print(f"{i:2} {'CAUGHT' if r.returncode else 'MISSED'} {name} ({time.time()-t:.0f}s) {fails[:2]}", flush=True)
