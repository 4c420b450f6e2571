namespace PeerTube.Net.Server.Infrastructure.Paging;

/// <summary>PeerTube's list body: <c>{ total, data }</c>, total counting every match, data one page of them.</summary>
public sealed record ListPage<T>(int Total, IReadOnlyList<T> Data);
