// The swarm simulator's command line: bash bench/swarm-sim/run.sh [--quick] [--n 10,100] [--seed 1] [--json] [--why] [--browser-check]
// Prints, per scenario, the share of segment bytes from peers, its fraction of the ideal, stalls and the spread of
// upload per viewer, with P2P on and, for the stall comparison, off (same seed, same viewers).
import { simulate, type SimConfig } from './sim'

const args = process.argv.slice(2)
const arg = (name: string): string | undefined => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}
const seed = Number(arg('--seed') ?? 1)
const sizes = (arg('--n') ?? (args.includes('--quick') ? '10,100' : '10,100,1000,10000')).split(',').map(Number)
const json = args.includes('--json')

interface Scenario { name: string, cfg: Partial<SimConfig> }

function scenarios (n: number): Scenario[] {
  // 10,000 viewers: a shorter video and window keep the run bounded (minutes, not hours).
  const big = n >= 10_000
  const video = big ? 24 : 60
  const window = big ? 12 : Math.min(60, 3 * n)
  return [
    { name: 'VOD, Poisson', cfg: { mode: 'vod', arrivals: 'poisson', arrivalSeconds: window, videoSeconds: video } },
    { name: 'VOD, flash crowd', cfg: { mode: 'vod', arrivals: 'flash', arrivalSeconds: 5, videoSeconds: video } },
    { name: 'live, Poisson', cfg: { mode: 'live', arrivals: 'poisson', arrivalSeconds: window, videoSeconds: video + window } }
  ]
}

const mib = (b: number): string => (b / 1048576).toFixed(1)
const rows: unknown[] = []
if (!json) {
  console.log(`seed ${seed}; 20% NAT-blocked pairs, 10% leave mid-video, 10% seek (VOD), uploads mostly 1-5 Mbit/s, 800 kbit/s video in 4 s segments`)
  console.log('| N | scenario | share from peers | ideal | fraction of ideal | ideal with HTTP starts | fraction of it | stalls/min (P2P off) | rebuffer (off) | startup median ms (off) | upload per viewer min / median / max MiB | viewers with peer bytes | run s |')
  console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
}
for (const n of sizes) {
  for (const s of scenarios(n)) {
    const started = Date.now()
    const on = simulate({ ...s.cfg, viewers: n, seed, p2p: true })
    const off = simulate({ ...s.cfg, viewers: n, seed, p2p: false })
    const seconds = (Date.now() - started) / 1000
    if (json) {
      rows.push({ n, scenario: s.name, on, off, seconds })
      continue
    }
    console.log(`| ${n} | ${s.name} | ${on.share.toFixed(3)} | ${on.ideal.toFixed(3)} | **${on.fractionOfIdeal.toFixed(3)}** | ` +
      `${on.idealAfterStartup.toFixed(3)} | ${(on.share / Math.max(1e-9, on.idealAfterStartup)).toFixed(3)} | ` +
      `${on.stallsPerMinute.toFixed(3)} (${off.stallsPerMinute.toFixed(3)}) | ${on.rebufferRatio.toFixed(4)} (${off.rebufferRatio.toFixed(4)}) | ` +
      `${on.startupMedianMs.toFixed(0)} (${off.startupMedianMs.toFixed(0)}) | ${mib(on.upload.min)} / ${mib(on.upload.median)} / ${mib(on.upload.max)} | ` +
      `${on.viewersWithPeerBytes.toFixed(2)} | ${seconds.toFixed(1)} |`)
    if (args.includes('--why')) console.log(`|   | why HTTP (fragments) | ${JSON.stringify(on.httpReasons)} | stalls by loader state | ${JSON.stringify(on.stallCauses)} |`)
  }
}
if (args.includes('--browser-check')) {
  // The browser bench's setting: 8 viewers 3 s apart, a 60 s video, loopback (no NAT, fast uploads), nobody leaves.
  const r = simulate({ viewers: 8, seed, mode: 'vod', arrivals: 'gap', arrivalSeconds: 3, videoSeconds: 60, natBlocked: 0, leaveFraction: 0, seekFraction: 0, uploadBps: 100_000_000 })
  console.log(`browser-bench setting (N=8, 3 s apart, loopback): share ${r.share.toFixed(3)}, every viewer with peer bytes: ${r.viewersWithPeerBytes.toFixed(2)}`)
}
if (json) console.log(JSON.stringify(rows, null, 2))
