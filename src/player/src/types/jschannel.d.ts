// jschannel 1.0.2 ships no typings. Only what the embed API uses is declared.
declare module 'jschannel' {
  export interface Transaction {
    origin: string
    delayReturn(delay: boolean): boolean
    complete(value?: unknown): void
    error(error: string, message: string): void
    completed(): boolean
  }

  export interface MessagingChannel {
    /** The handler's return value is sent back to the caller (JSON-serialised). */
    bind(method: string, handler: (transaction: Transaction, params: any) => unknown, doNotPublish?: boolean): MessagingChannel
    unbind(method: string, doNotPublish?: boolean): boolean
    notify(message: { method: string, params?: unknown }): void
    call(message: {
      method: string
      params?: unknown
      success: (result: any) => void
      error?: (error: string, message: string) => void
      timeout?: number
    }): void
    destroy(): void
  }

  export interface ChannelConfig {
    window: Window
    origin: string
    scope?: string
    onReady?: (channel: MessagingChannel) => void
  }

  const Channel: { build(config: ChannelConfig): MessagingChannel }
  export default Channel
}
