/**
 * Where a process spent its time: reads a V8 .cpuprofile (node --cpu-prof) and prints the
 * functions with the most self time, with their share of the samples.
 *   node tools/bench/dist/cpu-profile-summary.js FILE.cpuprofile [TOP]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export function summarise(profile: { nodes: ProfileNode[] }, top: number): string[] {
  const selfHits = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    total += hits;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.replace(/^.*\/(node_modules|apps|libs)\//, '$1/').replace(/^node:/, '');
    const name =
      `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
    selfHits.set(name, (selfHits.get(name) ?? 0) + hits);
  }
  return [...selfHits.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, hits]) => `${((100 * hits) / total).toFixed(1).padStart(5)}%  ${name}`);
}

if (require.main === module) {
  const [file, top = '20'] = process.argv.slice(2);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[] };
  for (const line of summarise(profile, Number(top))) console.log(line);
}
