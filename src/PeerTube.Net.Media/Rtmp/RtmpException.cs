namespace PeerTube.Net.Media.Rtmp;

/// <summary>
/// The client broke the RTMP protocol or one of our bounds (a chunk size, a message size, a timeout). The session
/// cannot go on; the server closes the connection and logs the message.
/// </summary>
public sealed class RtmpException(string message) : Exception(message);
