// Exact recovery judged by SymPy (bench:feynman): a model is exact when simplify(model - truth) or
// simplify(model / truth) is a constant (no free symbol; the ratio finite and not zero). The model is the
// engine's infix text (toInfix), read by sympify as in test/integration/infix-sympy.test.ts: `^` is a power and
// cbrt is passed as the real cube root; the truth is the file's formula (SymPy syntax; ln and arcsin named).
import { spawnSync } from 'node:child_process';

const SCRIPT = String.raw`
import json, signal, sys
try:
    import sympy
except ImportError:
    print(json.dumps({'missing': 'python3 has no sympy module'}))
    sys.exit(0)

class Timeout(Exception):
    pass

def on_alarm(signum, frame):
    raise Timeout()

signal.signal(signal.SIGALRM, on_alarm)
limit = int(sys.argv[1])

def constant(expr):
    return len(expr.free_symbols) == 0 and expr.is_finite is not False and expr not in (sympy.nan, sympy.zoo)

out = []
for item in json.load(sys.stdin):
    syms = {orig: sympy.Symbol(orig, real=True, positive=True) for orig in item['symbols'].values()}
    truth_locals = dict(syms)
    truth_locals.update({'ln': sympy.log, 'arcsin': sympy.asin, 'arccos': sympy.acos, 'arctan': sympy.atan})
    model_locals = {feature: syms[orig] for feature, orig in item['symbols'].items()}
    model_locals['cbrt'] = lambda a: sympy.real_root(a, 3)
    signal.alarm(limit)
    try:
        truth = sympy.sympify(item['truth'], locals=truth_locals)
        model = sympy.sympify(item['model'], locals=model_locals)
        diff = sympy.simplify(model - truth)
        if constant(diff):
            out.append({'exact': True, 'how': 'difference', 'constant': str(diff)})
        else:
            ratio = sympy.simplify(model / truth)
            if constant(ratio) and ratio != 0:
                out.append({'exact': True, 'how': 'ratio', 'constant': str(ratio)})
            else:
                out.append({'exact': False, 'how': 'neither the difference nor the ratio is constant'})
    except Timeout:
        out.append({'exact': False, 'how': 'sympy timed out after %d s' % limit})
    except Exception as err:
        out.append({'exact': False, 'how': 'sympy failed: %s' % str(err)[:200]})
    finally:
        signal.alarm(0)
print(json.dumps({'results': out}))
`;

/** { available, reason }: whether python3 with sympy runs here. */
export function sympyAvailable() {
  const run = spawnSync('python3', ['-c', 'import sympy'], { encoding: 'utf8' });
  if (run.error) return { available: false, reason: `python3 did not run (${run.error.message})` };
  if (run.status !== 0) return { available: false, reason: 'python3 has no sympy module (Debian: apt-get install -y python3-sympy)' };
  return { available: true, reason: null };
}

/**
 * Judges pairs { model, truth, symbols: { featureName: variableName } } in one python3 process. Returns one
 * { exact, how, constant? } per pair, or throws when python3 or sympy is missing.
 */
export function judgeExact(pairs, { timeoutSeconds = 30 } = {}) {
  if (pairs.length === 0) return [];
  const run = spawnSync('python3', ['-c', SCRIPT, String(timeoutSeconds)], { input: JSON.stringify(pairs), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.error) throw new Error(`python3 did not run: ${run.error.message}`);
  if (run.status !== 0) throw new Error(`the SymPy judge failed: ${run.stderr.trim().split('\n').at(-1)}`);
  const answer = JSON.parse(run.stdout);
  if (answer.missing) throw new Error(answer.missing);
  return answer.results;
}
