// Several HTTP sources for one video: its origin and the copies other instances keep of it (PeerTube's
// "redundancies", which in our copies include the playlists). Every request under the origin's folder may go to
// any source that has the same file. The pool measures each source's throughput and spreads requests by it; a source
// that fails is put aside for a while and the request goes to the next one, so a video whose origin is down keeps
// playing from a copy. P2P still comes first: this is only what the HTTP part of the loader does.
import {
  LoadStats,
  type HlsConfig,
  type Loader,
  type LoaderCallbacks,
  type LoaderConfiguration,
  type LoaderContext,
  type LoaderStats
} from 'hls.js'

type LoaderClass = new (config: HlsConfig) => Loader<LoaderContext>

interface Source {
  base: string
  /** Bytes per millisecond, smoothed; null until the first response. */
  throughput: number | null
  inflight: number
  downUntil: number
  requests: number
  bytes: number
  lastUsed: number
}

/** Expected time to an answer, in ms per byte: lower is better. */
function score (s: Source): number {
  return (s.inflight + 1) / Math.max(s.throughput ?? 1, 1e-6)
}

const DOWN_FOR_MS = 30_000

export interface SourceStats {
  base: string
  requests: number
  bytes: number
  down: boolean
}

function folderOf (url: string): string {
  const u = new URL(url, window.location.href)
  return u.origin + u.pathname.slice(0, u.pathname.lastIndexOf('/') + 1)
}

export class SourcePool {
  private readonly sources: Source[]
  private readonly primary: string
  private picks = 0
  private clock = 0

  /** `hlsUrl` is the master playlist; each mirror is a folder holding the same files (`…/static/redundancy/hls/<uuid>`). */
  constructor (hlsUrl: string, mirrors: readonly string[]) {
    this.primary = folderOf(hlsUrl)
    const bases = [this.primary, ...mirrors.map(m => new URL(m.endsWith('/') ? m : m + '/', window.location.href).href)]
    this.sources = [...new Set(bases)].map(base => ({ base, throughput: null, inflight: 0, downUntil: 0, requests: 0, bytes: 0, lastUsed: 0 }))
  }

  get size (): number { return this.sources.length }

  /** True for a URL the mirrors also have (under the origin's folder). */
  covers (url: string): boolean {
    return this.sources.length > 1 && new URL(url, window.location.href).href.startsWith(this.primary)
  }

  /**
   * The source for the next request, not among `tried`: one never measured first; otherwise the one that should
   * answer soonest (its throughput over the requests it already has), except that every third request goes to the
   * source used least recently, so that the others keep being measured and share the load. Sources put aside come last.
   */
  pick (tried: ReadonlySet<number>): number {
    const now = performance.now()
    const open = this.sources.map((s, i) => ({ s, i })).filter(x => !tried.has(x.i))
    if (open.length === 0) return -1
    const up = open.filter(x => x.s.downUntil <= now)
    const candidates = up.length > 0 ? up : open
    const unmeasured = candidates.find(x => x.s.throughput === null && x.s.inflight === 0)
    const chosen = unmeasured ?? (++this.picks % 3 === 0
      ? candidates.reduce((a, b) => (b.s.lastUsed < a.s.lastUsed ? b : a))
      : candidates.reduce((a, b) => (score(b.s) < score(a.s) ? b : a)))
    chosen.s.lastUsed = ++this.clock
    return chosen.i
  }

  rewrite (url: string, index: number): string {
    const absolute = new URL(url, window.location.href).href
    return this.sources[index].base + absolute.slice(this.primary.length)
  }

  started (index: number): void {
    this.sources[index].inflight++
  }

  /**
   * A request to `index` answered. Only segments measure a source: playlists are small and say little about speed,
   * and a source measured by them alone would lose the "never measured first" turn its first segment should have.
   */
  succeeded (index: number, bytes: number, ms: number, segment = true): void {
    const s = this.sources[index]
    s.inflight = Math.max(0, s.inflight - 1)
    s.requests++
    s.bytes += bytes
    s.downUntil = 0
    if (!segment) return
    if (bytes > 16 * 1024) {
      const sample = bytes / Math.max(ms, 1)
      s.throughput = s.throughput === null ? sample : s.throughput * 0.7 + sample * 0.3
    } else if (s.throughput === null) {
      s.throughput = 1
    }
  }

  failed (index: number): void {
    const s = this.sources[index]
    s.inflight = Math.max(0, s.inflight - 1)
    s.downUntil = performance.now() + DOWN_FOR_MS
  }

  stats (): SourceStats[] {
    const now = performance.now()
    return this.sources.map(s => ({ base: s.base, requests: s.requests, bytes: s.bytes, down: s.downUntil > now }))
  }
}

function isPlaylist (url: string): boolean {
  return new URL(url, window.location.href).pathname.endsWith('.m3u8')
}

function sizeOf (data: unknown): number {
  if (data instanceof ArrayBuffer) return data.byteLength
  if (typeof data === 'string') return data.length
  return 0
}

/**
 * An hls.js loader that sends each request under the origin's folder to a source of the pool, and on an error or a
 * timeout tries the next source before giving up. Responses keep the URL hls.js asked for, so relative URLs in
 * playlists still resolve under the origin's folder, and the pool places them again.
 */
export function multiSourceLoader (pool: SourcePool, Base: LoaderClass): LoaderClass {
  return class MultiSourceLoader implements Loader<LoaderContext> {
    context: LoaderContext | null = null
    stats: LoaderStats = new LoadStats()
    private inner: Loader<LoaderContext> | null = null
    private finished = false

    constructor (private readonly config: HlsConfig) {}

    load (context: LoaderContext, config: LoaderConfiguration, callbacks: LoaderCallbacks<LoaderContext>): void {
      this.context = context
      if (!pool.covers(context.url)) return this.attempt(context, config, callbacks, -1, new Set())
      this.attempt(context, config, callbacks, pool.pick(new Set()), new Set())
    }

    private attempt (context: LoaderContext, config: LoaderConfiguration, callbacks: LoaderCallbacks<LoaderContext>,
      index: number, tried: Set<number>): void {
      const inner = new Base(this.config)
      inner.stats = this.stats
      this.inner = inner
      const url = index < 0 ? context.url : pool.rewrite(context.url, index)
      const started = performance.now()
      if (index >= 0) {
        tried.add(index)
        pool.started(index)
      }
      const next = (): boolean => {
        if (index < 0 || this.finished) return false
        pool.failed(index)
        const following = pool.pick(tried)
        if (following < 0) return false
        inner.destroy()
        this.attempt(context, config, callbacks, following, tried)
        return true
      }
      const original = context.url
      // The stats object is hls.js' (frag.stats): it starts again for each source.
      const stats = this.stats
      stats.loading.start = stats.loading.first = stats.loading.end = 0
      stats.loaded = stats.total = 0
      stats.aborted = false
      // Each source but the last gets one try; the load policy's own retries are for the last one.
      const once = index >= 0 && tried.size < pool.size
        ? { ...config, loadPolicy: { ...config.loadPolicy, errorRetry: null, timeoutRetry: null } }
        : config
      inner.load({ ...context, url }, once, {
        onSuccess: (response, stats, _ctx, details) => {
          if (index >= 0) pool.succeeded(index, sizeOf(response.data), performance.now() - started, !isPlaylist(original))
          this.finished = true
          callbacks.onSuccess({ ...response, url: original }, stats, context, details)
        },
        onError: (error, _ctx, details, stats) => {
          if (next()) return
          this.finished = true
          callbacks.onError(error, context, details, stats)
        },
        onTimeout: (stats, _ctx, details) => {
          if (next()) return
          this.finished = true
          callbacks.onTimeout(stats, context, details)
        },
        onAbort: callbacks.onAbort ? (stats, _ctx, details) => callbacks.onAbort?.(stats, context, details) : undefined,
        onProgress: callbacks.onProgress ? (stats, _ctx, data, details) => callbacks.onProgress?.(stats, context, data, details) : undefined
      })
    }

    abort (): void {
      this.finished = true
      this.inner?.abort()
    }

    destroy (): void {
      this.finished = true
      this.inner?.destroy()
      this.inner = null
      this.context = null
    }
  }
}
