// The simulator's own test (bash bench/swarm-sim/run.sh --test; SwarmSimulatorTests runs it): the same seed gives the
// same figures, another seed other ones, and the sanity properties hold: with peers, bytes come from peers and nobody
// stalls more than without. Then the rules of policy.ts on small cases: rotation, "full", dialling, the fair upload
// queue, peer choice and the wait bound.
import assert from 'node:assert/strict'
import { simulate } from './sim'
import * as policy from '../../src/player/src/p2p/policy'

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

// The policy's rules themselves, on small cases.
{
  const link = (id: string, openedAt: number, lastUseful: number, ready = true): policy.LinkView => ({ id, openedAt, lastUseful, ready })
  const now = 100_000
  // Slot rotation: only a ready link idle (both ways) for ROTATE_IDLE_MS and at least that old; the idlest; one per cooldown.
  assert.equal(policy.rotationVictim([link('busy', 0, now - 1000), link('young', now - 5000, now - 5000)], now, -Infinity), null)
  assert.equal(policy.rotationVictim([link('a', 0, now - 25_000), link('b', 0, now - 40_000), link('c', 0, now - 60_000, false)], now, -Infinity), 'b')
  assert.equal(policy.rotationVictim([link('b', 0, now - 40_000)], now, now - 1000), null, 'rotated again within the cooldown')
  // An offer: taken with room; with no room, taken only by rotating an idle link out, else "full".
  const full = Array.from({ length: 4 }, (_, i) => link(`p${i}`, 0, now - 1000))
  assert.deepEqual(policy.decideOffer(full.slice(0, 3), 4, now, -Infinity), { accept: true, drop: null })
  assert.deepEqual(policy.decideOffer(full, 4, now, -Infinity), { accept: false })
  assert.deepEqual(policy.decideOffer([...full.slice(0, 3), link('idle', 0, 0)], 4, now, -Infinity), { accept: true, drop: 'idle' })
  // Dialling: a few at a time, never beyond MaxPeers minus the reserve, skipping the linked and the recently tried.
  const ids = Array.from({ length: 20 }, (_, i) => `x${i}`)
  assert.equal(policy.planDials(ids, () => false, new Map(), 0, 0, 10, now).length, policy.MAX_DIALING)
  assert.equal(policy.planDials(ids, () => false, new Map(), 7, 0, 10, now).length, 1)
  assert.equal(policy.planDials(ids, () => false, new Map(), 8, 0, 10, now).length, 0)
  assert.deepEqual(policy.planDials(['a', 'b', 'c'], id => id === 'a', new Map([['b', now - 1000]]), 0, 0, 10, now), ['c'])
  // Upload queue: round-robin across requesting peers, bounded, "busy" beyond the bounds or while our buffer is short.
  let urgent = false
  const q = new policy.UploadQueue<string>(() => policy.uploadSlots(urgent))
  assert.equal(q.offer('A', 's1'), 'queued')
  assert.equal(q.offer('A', 's2'), 'queued')
  assert.equal(q.offer('A', 's3'), 'busy', 'one peer queued more than MAX_QUEUED_PER_PEER')
  assert.equal(q.offer('B', 's1'), 'queued')
  assert.equal(q.offer('C', 's1'), 'busy', 'the queue grew beyond MAX_QUEUED')
  const served: string[] = []
  for (let next = q.take(); next !== null; next = q.take()) {
    served.push(`${next.from}:${next.id}`)
    q.done()
  }
  assert.deepEqual(served, ['A:s1', 'B:s1', 'A:s2'], 'not round-robin across peers')
  urgent = true
  assert.equal(q.offer('D', 's1'), 'busy', 'an uploader short of buffer still took a request')
  // Peer choice: the least loaded, then the fastest; never a busy one.
  const h = (pending: number, speed: number | null, busyUntil = 0): policy.HolderView => ({ pending, speed, busyUntil })
  const fast = h(0, 5)
  assert.equal(policy.choosePeer([h(1, 50), h(0, 1), fast, h(0, 9, now + 1)], now, Math.random), fast)
  assert.equal(policy.choosePeer([h(0, 9, now + 1)], now, Math.random), null)
  // Waiting for a peer: never past the spare buffer; all of it for a busy holder.
  assert.equal(policy.announceWaitMs(4, 5, true, Math.random), 0)
  assert.equal(policy.announceWaitMs(10, 5, true, Math.random), 6000)
  assert.equal(policy.announceWaitMs(10, 0, true, Math.random), 0)
  assert.ok(policy.announceWaitMs(10, 5, false, Math.random) <= 6000)
  // Pioneers: of a pair, only the older fetches a new segment at once (whatever the dice say); the younger waits for it.
  assert.equal(policy.isPioneer(1, 0, () => 0.99), true)
  assert.equal(policy.isPioneer(1, 1, () => 0), false)
  assert.ok(policy.announceWaitMs(10, 1, false, () => 0, 3, 1) >= 3000, 'the younger of a pair did not wait for the older')
  assert.ok(policy.announceWaitMs(10, 1, false, () => 0.99, 3, 0) <= 1200, 'the older of a pair waited')
  // Urgency from measured HTTP: 3 s until a fetch is timed, then 1 s + two fetches, never below 1.5 s nor above 3 s;
  // a peer request gives up with urgentAt - 1 s still buffered; the estimate rises at once and falls slowly.
  assert.equal(policy.urgentSeconds(null), policy.URGENT_BUFFER_SECONDS)
  assert.equal(policy.urgentSeconds(0.2), policy.MIN_URGENT_BUFFER_SECONDS)
  assert.equal(policy.urgentSeconds(0.75), 2.5)
  assert.equal(policy.urgentSeconds(5), policy.URGENT_BUFFER_SECONDS)
  assert.equal(policy.isUrgent(2, true, 1.5), false)
  assert.equal(policy.isUrgent(2, true), true)
  assert.equal(policy.peerTimeoutMs(4, true), 2000)
  assert.equal(policy.peerTimeoutMs(4, true, 1.5), 3500)
  assert.equal(policy.announceWaitMs(4, 5, true, Math.random, 1.5), 1500)
  assert.equal(policy.nextHttpSeconds(null, 0.3), 0.3)
  assert.equal(policy.nextHttpSeconds(0.3, 1.2), 1.2)
  assert.ok(Math.abs(policy.nextHttpSeconds(1, 0.5) - 0.9) < 1e-9)
  console.log('policy test: ok')
}
