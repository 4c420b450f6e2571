// The simulator's own test (bash bench/swarm-sim/run.sh --test): the same seed gives the same figures, another seed
// other ones, and the sanity properties hold: with peers, bytes come from peers and nobody stalls more than without.
import assert from 'node:assert/strict'
import { simulate } from './sim'

const small = { viewers: 30, videoSeconds: 40, arrivalSeconds: 20 }
const a = simulate({ ...small, seed: 7 })
const b = simulate({ ...small, seed: 7 })
assert.deepEqual(a, b, 'the same seed gave different results')
const c = simulate({ ...small, seed: 8 })
assert.notDeepEqual(a, c, 'another seed gave the very same results')

const off = simulate({ ...small, seed: 7, p2p: false })
assert.equal(off.p2pBytes, 0, 'P2P off still got bytes from peers')
assert.ok(a.httpBytes < off.httpBytes / 2, `P2P on fetched ${a.httpBytes} bytes over HTTP, off ${off.httpBytes}`)
assert.ok(a.share > 0.5, `30 viewers got only ${a.share} of their bytes from peers`)
assert.ok(a.share <= a.ideal + 1e-9, `the share ${a.share} beats the ideal ${a.ideal}`)
assert.ok(a.stallsPerMinute <= off.stallsPerMinute + 0.05, `P2P stalls ${a.stallsPerMinute}/min, off ${off.stallsPerMinute}/min`)

// Everyone behind a blocking NAT: nothing from peers, and playback as without P2P.
const walled = simulate({ ...small, seed: 7, natBlocked: 1 })
assert.equal(walled.p2pBytes, 0, 'peers that cannot connect still exchanged bytes')
console.log(`swarm-sim test: ok (share ${a.share.toFixed(3)}, ideal ${a.ideal.toFixed(3)}, stalls/min ${a.stallsPerMinute.toFixed(3)} vs ${off.stallsPerMinute.toFixed(3)} off)`)
