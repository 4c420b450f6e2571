// The hls.js fragment loader (config.fLoader): media fragments come from the segment cache or a peer when there is
// time, verified by the manager; everything else (init segments, urgent fragments, whatever peers can't give) goes to
// hls.js' own loader, exactly as without P2P. What HTTP brings is cached and announced to peers.
import {
  LoadStats,
  type FragmentLoaderContext,
  type HlsConfig,
  type Loader,
  type LoaderCallbacks,
  type LoaderConfiguration,
  type LoaderContext,
  type LoaderStats
} from 'hls.js'
import { segmentId } from './cache'
import { fileName, type P2PManager } from './manager'

type LoaderClass = new (config: HlsConfig) => Loader<LoaderContext>

/**
 * The fragment's segment id (cache.segmentId: a byte range of a file, or a whole file, as live segments are), or null
 * for init segments and parts (those always use HTTP).
 */
function idOf (context: FragmentLoaderContext): string | null {
  if (context.frag?.sn === 'initSegment' || context.part) return null
  const start = context.rangeStart
  const end = context.rangeEnd
  if (start === undefined || end === undefined || end <= start) return fileName(context.url)
  return segmentId(fileName(context.url), start, end - 1)
}

export function p2pFragmentLoader (manager: P2PManager, Http: LoaderClass): new (config: HlsConfig) => Loader<FragmentLoaderContext> {
  return class P2PFragmentLoader implements Loader<FragmentLoaderContext> {
    context: FragmentLoaderContext | null = null
    // hls.js keeps this very object as frag.stats: it is handed to the HTTP loader rather than replaced.
    stats: LoaderStats = new LoadStats()
    private http: Loader<LoaderContext> | null = null
    private callbacks: LoaderCallbacks<FragmentLoaderContext> | null = null
    private done = false

    constructor (private readonly config: HlsConfig) {}

    load (context: FragmentLoaderContext, config: LoaderConfiguration, callbacks: LoaderCallbacks<FragmentLoaderContext>): void {
      this.context = context
      this.callbacks = callbacks
      const id = idOf(context)
      if (id === null) return this.loadHttp(context, config, callbacks, null)
      manager.fetch(id).then(data => {
        if (this.done) return
        if (data === null) return this.loadHttp(context, config, callbacks, id)
        const now = performance.now()
        const stats = this.stats
        stats.loading.start = stats.loading.start || now
        stats.loading.first = now
        stats.loading.end = now
        stats.loaded = stats.total = data.byteLength
        this.done = true
        callbacks.onSuccess({ url: context.url, data }, stats, context, null)
      }, err => {
        console.info('p2p: loader fell back to HTTP', err)
        if (!this.done) this.loadHttp(context, config, callbacks, id)
      })
    }

    private loadHttp (context: FragmentLoaderContext, config: LoaderConfiguration, callbacks: LoaderCallbacks<FragmentLoaderContext>, id: string | null): void {
      const http = new Http(this.config)
      http.stats = this.stats
      this.http = http
      const wrapped: LoaderCallbacks<LoaderContext> = {
        onSuccess: (response, stats, ctx, details) => {
          this.done = true
          if (id !== null && response.data instanceof ArrayBuffer) {
            const took = stats.loading.end > 0 && stats.loading.start > 0 ? stats.loading.end - stats.loading.start : null
            try { manager.storeFromHttp(id, response.data, took) } catch (err) { console.info('p2p: cannot keep a segment', err) }
          }
          callbacks.onSuccess(response, stats, ctx as FragmentLoaderContext, details)
        },
        onError: (error, ctx, details, stats) => { this.done = true; callbacks.onError(error, ctx as FragmentLoaderContext, details, stats) },
        onTimeout: (stats, ctx, details) => { this.done = true; callbacks.onTimeout(stats, ctx as FragmentLoaderContext, details) }
      }
      if (callbacks.onAbort) {
        const onAbort = callbacks.onAbort
        wrapped.onAbort = (stats, ctx, details) => onAbort(stats, ctx as FragmentLoaderContext, details)
      }
      if (callbacks.onProgress) {
        const onProgress = callbacks.onProgress
        wrapped.onProgress = (stats, ctx, data, details) => onProgress(stats, ctx as FragmentLoaderContext, data, details)
      }
      http.load(context, config, wrapped)
    }

    abort (): void {
      if (this.http) return this.http.abort()
      if (this.done) return
      this.done = true
      this.stats.aborted = true
      if (this.context) this.callbacks?.onAbort?.(this.stats, this.context, null)
    }

    destroy (): void {
      this.done = true
      this.http?.destroy()
      this.http = null
      this.callbacks = null
      this.context = null
    }
  }
}
