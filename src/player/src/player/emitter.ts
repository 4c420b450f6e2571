/** A minimal typed event emitter: the engine, the core and the UI modules talk through it. */
export class Emitter<Events extends Record<string, unknown>> {
  private readonly handlers: { [K in keyof Events]?: Array<(payload: Events[K]) => void> } = {}

  on<K extends keyof Events> (name: K, handler: (payload: Events[K]) => void): () => void {
    const list = (this.handlers[name] ??= [])
    list.push(handler)
    return () => {
      const i = list.indexOf(handler)
      if (i >= 0) list.splice(i, 1)
    }
  }

  emit<K extends keyof Events> (name: K, payload: Events[K]): void {
    // Copy: a handler may unsubscribe itself while we iterate.
    for (const h of [...(this.handlers[name] ?? [])]) {
      try {
        h(payload)
      } catch (err) {
        // One broken listener (e.g. the embed API) must not stop the others (e.g. the UI).
        console.error(`player: "${String(name)}" listener failed`, err)
      }
    }
  }
}
