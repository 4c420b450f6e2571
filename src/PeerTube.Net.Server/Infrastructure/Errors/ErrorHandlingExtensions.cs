using Microsoft.AspNetCore.Diagnostics;

namespace PeerTube.Net.Server.Infrastructure.Errors;

public static class ErrorHandlingExtensions
{
    /// <summary>
    /// Turns what escapes a handler into PeerTube's error body: client mistakes keep their 4xx,
    /// and only real faults become a 500 (with no internals in the body).
    /// </summary>
    public static WebApplication UseApiErrors(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = _ => 500,
            // A client's mistake answered with its 4xx is not a fault of ours: no "unhandled exception" error with a stack trace.
            SuppressDiagnosticsCallback = c => IsClientError(c.Exception, c.HttpContext),
            ExceptionHandler = async context =>
            {
                var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
                var problem = error switch
                {
                    ApiProblemException p => p.Problem,
                    BadHttpRequestException { StatusCode: 413 } => new ApiProblem(413, "The request body is too large.", "max_file_size_reached"),
                    BadHttpRequestException b => new ApiProblem(b.StatusCode, "The request is malformed: " + b.Message),
                    // FormOptions.MultipartBodyLengthLimit, crossed inside a form read anywhere.
                    InvalidDataException d when d.Message.Contains("body length limit", StringComparison.OrdinalIgnoreCase) =>
                        new ApiProblem(413, "The request body is too large.", "max_file_size_reached"),
                    InvalidDataException d => new ApiProblem(400, "The request is malformed: " + d.Message),
                    OperationCanceledException when context.RequestAborted.IsCancellationRequested => new ApiProblem(499, "The client closed the request."),
                    _ => new ApiProblem(500, "An unexpected error occurred on the server."),
                };
                await problem.ExecuteAsync(context);
            },
        });

        app.UseStatusCodePages(async statusContext =>
        {
            var response = statusContext.HttpContext.Response;
            if (response.HasStarted || response.ContentLength > 0 || response.ContentType is not null)
            {
                return;
            }

            var message = response.StatusCode switch
            {
                400 => "The request is malformed.",
                401 => "Authentication is required.",
                403 => "You are not allowed to do this.",
                404 => "Not found.",
                405 => "Method not allowed.",
                415 => "Unsupported media type.",
                _ => "The request failed.",
            };
            var code = response.StatusCode == 401 ? "invalid_token" : null;
            await new ApiProblem(response.StatusCode, message, code).ExecuteAsync(statusContext.HttpContext);
        });

        return app;
    }

    /// <summary>Exceptions that stop a request with a 4xx (or a client that went away): expected, so not logged as faults.</summary>
    public static bool IsClientError(Exception exception, HttpContext http) => exception switch
    {
        ApiProblemException p => p.Problem.Status < 500,
        BadHttpRequestException b => b.StatusCode < 500,
        InvalidDataException => true,
        OperationCanceledException => http.RequestAborted.IsCancellationRequested,
        _ => false,
    };
}
