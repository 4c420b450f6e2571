using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.WebUtilities;

namespace PeerTube.Net.Server.Infrastructure.Errors;

/// <summary>
/// PeerTube's error body: an RFC 7807 problem with PeerTube's extra <c>code</c> (machine-readable, stable) and
/// <c>error</c> (the human message, kept for older clients).
/// </summary>
public sealed class ApiProblem : IResult, IStatusCodeHttpResult, IEndpointMetadataProvider
{
    private const string DocsBase = "https://docs.joinpeertube.org/api-rest-reference.html#section/Errors/";

    public ApiProblem(int status, string message, string? code = null, IReadOnlyDictionary<string, object?>? extensions = null)
    {
        Status = status;
        Message = message;
        Code = code;
        Extensions = extensions;
    }

    public int Status { get; }
    public string Message { get; }
    public string? Code { get; }
    public IReadOnlyDictionary<string, object?>? Extensions { get; }
    int? IStatusCodeHttpResult.StatusCode => Status;

    public Dictionary<string, object?> ToBody()
    {
        var body = new Dictionary<string, object?>
        {
            ["type"] = Code is null ? "about:blank" : DocsBase + Code,
            ["title"] = ReasonPhrases.GetReasonPhrase(Status),
            ["status"] = Status,
            ["detail"] = Message,
            ["error"] = Message,
        };
        if (Code is not null)
        {
            body["code"] = Code;
        }

        foreach (var (key, value) in Extensions ?? new Dictionary<string, object?>())
        {
            body[key] = value;
        }

        return body;
    }

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = Status;
        httpContext.Response.ContentType = "application/problem+json; charset=utf-8";
        await JsonSerializer.SerializeAsync(httpContext.Response.Body, ToBody(), JsonSerializerOptions.Web, httpContext.RequestAborted);
    }

    public static void PopulateMetadata(System.Reflection.MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(400, typeof(Dictionary<string, object?>), ["application/problem+json"]));

    public static ApiProblem BadRequest(string message, string? code = null) => new(400, message, code);

    /// <summary>PeerTube's express-validator shape: which fields were wrong, and why.</summary>
    public static ApiProblem InvalidParams(IReadOnlyDictionary<string, string> errors) =>
        new(400, "Incorrect request parameters: " + string.Join(", ", errors.Keys), null,
            new Dictionary<string, object?>
            {
                ["invalid-params"] = errors.ToDictionary(e => e.Key, e => (object?)new { msg = e.Value, param = e.Key, location = "body" }),
            });

    public static ApiProblem Unauthorized(string message = "Authentication is required.", string code = "invalid_token") => new(401, message, code);
    public static ApiProblem Forbidden(string message) => new(403, message);
    public static ApiProblem NotFound(string message) => new(404, message);
}

/// <summary>Thrown where a handler is deep in work and must stop with a client error.</summary>
public sealed class ApiProblemException(ApiProblem problem) : Exception(problem.Message)
{
    public ApiProblem Problem { get; } = problem;
}
