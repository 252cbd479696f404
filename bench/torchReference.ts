import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** PyTorch's figures for the same model, from ../shared/bench/torch_throughput.py. */
export interface TorchReference {
  readonly engine: string;
  readonly trainImgPerSec: number;
  readonly scoreImgPerSec: number;
}

/** The PyTorch reference scripts: the small CNN + loss module, and the paper's ResNet-18 + loss module. */
export type TorchScript = 'torch_throughput.py' | 'torch_resnet18.py';

/** Where a PyTorch reference script lives, relative to the repository root. */
export const torchScriptPath = (repoRoot: string, script: TorchScript = 'torch_throughput.py'): string => path.resolve(repoRoot, '..', 'shared', 'bench', script);

/**
 * Runs PyTorch's throughput script with Debian's /usr/bin/python3, in this process's turn,
 * so that the ratio is measured under the same machine load.
 *
 * @param repoRoot - the repository root
 * @param threads - torch.set_num_threads (the issue compares with 2)
 * @returns the figures, or a one-line note saying why there are none
 */
export const runTorchReference = (repoRoot: string, threads = 2, which: TorchScript = 'torch_throughput.py', extraArgs: ReadonlyArray<string> = []): TorchReference | { readonly note: string } => {
  const python = '/usr/bin/python3';
  const script = torchScriptPath(repoRoot, which);
  if (!existsSync(python)) return { note: `no ${python}: PyTorch comparison skipped (apt-get install -y python3-torch)` };
  if (!existsSync(script)) return { note: `no ${script}: PyTorch comparison skipped` };
  const run = spawnSync(python, [script, '--threads', String(threads), ...extraArgs], { encoding: 'utf8', timeout: 600_000 });
  if (run.status !== 0) {
    const reason = (run.stderr || run.error?.message || 'failed').trim().split('\n').pop();
    return { note: `PyTorch comparison skipped: ${reason} (apt-get install -y python3-torch)` };
  }
  const line = run.stdout.trim().split('\n').pop() ?? '';
  const parsed = JSON.parse(line) as { engine?: string; train_img_per_s: number; score_img_per_s: number };
  return { engine: parsed.engine ?? `PyTorch CPU (${threads} threads, ${which})`, trainImgPerSec: parsed.train_img_per_s, scoreImgPerSec: parsed.score_img_per_s };
};
