// How far behind the live edge a live plays, per PeerTube latency mode (LiveVideoLatencyMode: 1 default, 2 high,
// 3 small), as hls.js settings. Latency is roughly the sync distance + half a segment + the encoder and the playlist
// polling (~1 s); peers need spare buffer to share a new segment before it is urgent (p2p/policy.ts: about
// sync distance - one segment - 1 s - the urgency threshold). The bench (bench --live, BENCHMARKS.md) measures both.
//
// - small (2 s segments): 1.5 segments (3 s) behind the edge with P2P off, for < 5 s glass to glass; 3.5 segments
//   (7 s) with P2P on, for < 10 s with seconds of spare to share each segment.
// - default (4 s segments): 2.5 segments (10 s), for < 15 s; P2P shares within the ~5 s of spare.
// - high (6 s segments): 3 segments (18 s): latency is not the point, sharing is.
// A viewer who fell further behind (a stall, a background tab) than the sync distance plus two segments jumps back;
// within that, playback runs up to 10 % faster until it is back on its distance.
import type { HlsConfig } from 'hls.js'

export const LATENCY_DEFAULT = 1
export const LATENCY_HIGH = 2
export const LATENCY_SMALL = 3

declare global {
  interface Window {
    /** BENCH HOOK ONLY (bench --live --hlsjs-defaults): play lives with hls.js' own live settings, as PeerTube's player did. */
    __ptLiveHlsDefaults?: boolean
  }
}

/** Segments behind the live edge, per mode and whether peers share. */
export function liveSyncSegments (latencyMode: number | null | undefined, p2p: boolean): number {
  switch (latencyMode) {
    case LATENCY_SMALL: return p2p ? 3.5 : 1.5
    case LATENCY_HIGH: return 3
    default: return 2.5
  }
}

/** The hls.js settings for a live in that mode; empty for hls.js' defaults (or the bench hook). Harmless on VOD. */
export function liveHlsConfig (latencyMode: number | null | undefined, p2p: boolean): Partial<HlsConfig> {
  if (typeof window !== 'undefined' && window.__ptLiveHlsDefaults === true) return {}
  const sync = liveSyncSegments(latencyMode, p2p)
  return {
    liveSyncDurationCount: sync,
    liveMaxLatencyDurationCount: sync + 2,
    maxLiveSyncPlaybackRate: 1.1
  }
}
