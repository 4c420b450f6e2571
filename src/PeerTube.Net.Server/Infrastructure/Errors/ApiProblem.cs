using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;

namespace PeerTube.Net.Server.Infrastructure.Errors;

/// <summary>
/// PeerTube's error body: an RFC 7807 problem with PeerTube's extra <c>code</c> (machine-readable, stable) and
/// <c>error</c> (the human message, kept for older clients).
/// </summary>
/// <remarks>
/// A result like TypedResults' own, so a handler can name it in a <c>Results&lt;…&gt;</c> union. The factories return a
/// subclass per status (<see cref="NotFoundProblem"/>, …) whose metadata tells OpenAPI which problem the route may answer;
/// the body is the same whichever type carries it.
/// </remarks>
public class ApiProblem : IResult, IStatusCodeHttpResult, IContentTypeHttpResult, IValueHttpResult, IValueHttpResult<ProblemDetails>,
    IEndpointMetadataProvider
{
    public const string ContentType = "application/problem+json";

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
    string IContentTypeHttpResult.ContentType => ContentType;
    object? IValueHttpResult.Value => ((IValueHttpResult<ProblemDetails>)this).Value;

    /// <summary>The body as a <see cref="ProblemDetails"/>: PeerTube's extra fields are its extensions.</summary>
    ProblemDetails IValueHttpResult<ProblemDetails>.Value
    {
        get
        {
            var body = ToBody();
            var problem = new ProblemDetails
            {
                Type = (string?)body["type"], Title = (string?)body["title"], Status = Status, Detail = Message,
            };
            foreach (var (key, value) in body.Where(kv => kv.Key is not ("type" or "title" or "status" or "detail")))
            {
                problem.Extensions[key] = value;
            }

            return problem;
        }
    }

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

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Produces(builder, 400);

    /// <summary>Declares the problem a route may answer with, for the OpenAPI document.</summary>
    protected static void Produces(EndpointBuilder builder, int status) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(status, typeof(ProblemDetails), [ContentType]));

    public static BadRequestProblem BadRequest(string message, string? code = null) => new(message, code);

    /// <summary>PeerTube's express-validator shape: which fields were wrong, and why.</summary>
    public static BadRequestProblem InvalidParams(IReadOnlyDictionary<string, string> errors) =>
        new("Incorrect request parameters: " + string.Join(", ", errors.Keys), null,
            new Dictionary<string, object?>
            {
                ["invalid-params"] = errors.ToDictionary(e => e.Key, e => (object?)new { msg = e.Value, param = e.Key, location = "body" }),
            });

    public static UnauthorizedProblem Unauthorized(string message = "Authentication is required.", string code = "invalid_token") => new(message, code);
    public static ForbiddenProblem Forbidden(string message, string? code = null) => new(message, code);
    public static NotFoundProblem NotFound(string message, string? code = null) => new(message, code);
    public static ConflictProblem Conflict(string message, string? code = null) => new(message, code);
}

public sealed class BadRequestProblem(string message, string? code = null, IReadOnlyDictionary<string, object?>? extensions = null)
    : ApiProblem(400, message, code, extensions), IEndpointMetadataProvider
{
    public static new void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Produces(builder, 400);
}

public sealed class UnauthorizedProblem(string message, string? code = null) : ApiProblem(401, message, code), IEndpointMetadataProvider
{
    public static new void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Produces(builder, 401);
}

public sealed class ForbiddenProblem(string message, string? code = null) : ApiProblem(403, message, code), IEndpointMetadataProvider
{
    public static new void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Produces(builder, 403);
}

public sealed class NotFoundProblem(string message, string? code = null) : ApiProblem(404, message, code), IEndpointMetadataProvider
{
    public static new void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Produces(builder, 404);
}

public sealed class ConflictProblem(string message, string? code = null) : ApiProblem(409, message, code), IEndpointMetadataProvider
{
    public static new void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Produces(builder, 409);
}

/// <summary>Thrown where a handler is deep in work and must stop with a client error.</summary>
public sealed class ApiProblemException(ApiProblem problem) : Exception(problem.Message)
{
    public ApiProblem Problem { get; } = problem;
}
