using System.ComponentModel.DataAnnotations;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;
using PeerTube.Net.Server.Infrastructure.Jobs;

namespace PeerTube.Net.Server.Infrastructure.Email;

/// <summary>Email through an SMTP server (<c>Email:Smtp:Host</c>); without one, mails are written to the log instead.</summary>
public sealed class EmailOptions
{
    public const string Section = "Email";

    [Required, EmailAddress]
    public string From { get; set; } = "no-reply@localhost";

    public SmtpSettings Smtp { get; set; } = new();

    public bool Enabled => !string.IsNullOrWhiteSpace(Smtp.Host);

    public sealed class SmtpSettings
    {
        public string? Host { get; set; }

        [Range(1, 65535)]
        public int Port { get; set; } = 587;

        public string? Username { get; set; }
        public string? Password { get; set; }

        /// <summary>None, Auto, SslOnConnect or StartTls (MailKit's SecureSocketOptions).</summary>
        public string Security { get; set; } = "Auto";

        [Range(1, 300)]
        public int TimeoutSeconds { get; set; } = 20;
    }
}

public sealed record EmailMessage(string To, string Subject, string Text);

public interface IEmailSender
{
    Task SendAsync(EmailMessage message, CancellationToken ct);
}

/// <summary>Sends with MailKit when SMTP is configured; otherwise logs the mail (the embedded default, for a first run).</summary>
internal sealed partial class EmailSender(IOptions<EmailOptions> options, ILogger<EmailSender> log) : IEmailSender
{
    public async Task SendAsync(EmailMessage message, CancellationToken ct)
    {
        var o = options.Value;
        if (!o.Enabled)
        {
            LogToConsole(log, message.To, message.Subject, message.Text);
            return;
        }

        var mime = new MimeMessage();
        mime.From.Add(MailboxAddress.Parse(o.From));
        mime.To.Add(MailboxAddress.Parse(message.To));
        mime.Subject = message.Subject;
        mime.Body = new TextPart("plain") { Text = message.Text };

        using var client = new SmtpClient { Timeout = o.Smtp.TimeoutSeconds * 1000 };
        await client.ConnectAsync(o.Smtp.Host!, o.Smtp.Port, Enum.Parse<SecureSocketOptions>(o.Smtp.Security, ignoreCase: true), ct);
        if (!string.IsNullOrEmpty(o.Smtp.Username))
        {
            await client.AuthenticateAsync(o.Smtp.Username, o.Smtp.Password ?? "", ct);
        }

        await client.SendAsync(mime, ct);
        await client.DisconnectAsync(quit: true, ct);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No SMTP server is configured (Email:Smtp:Host); this mail was not sent.\nTo: {To}\nSubject: {Subject}\n\n{Text}")]
    private static partial void LogToConsole(ILogger logger, string to, string subject, string text);
}

/// <summary>One mail, as a job: written in the same transaction as the change it tells of, retried by Hangfire when SMTP fails.</summary>
public sealed class SendEmailJob(IEmailSender sender)
{
    [Hangfire.AutomaticRetry(Attempts = 5)]
    public Task RunAsync(string to, string subject, string text, CancellationToken ct) => sender.SendAsync(new EmailMessage(to, subject, text), ct);
}

public static class EmailExtensions
{
    public static WebApplicationBuilder AddEmail(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<EmailOptions>().BindConfiguration(EmailOptions.Section).ValidateDataAnnotations()
            .Validate(o => Enum.TryParse<SecureSocketOptions>(o.Smtp.Security, ignoreCase: true, out _), "Email:Smtp:Security should be None, Auto, SslOnConnect or StartTls.")
            .ValidateOnStart();
        builder.Services.AddSingleton<IEmailSender, EmailSender>();
        builder.Services.AddScoped<SendEmailJob>();
        return builder;
    }

    /// <summary>Queues a mail with the change being saved on <paramref name="jobs"/>' context.</summary>
    public static void Mail(this TransactionalJobs jobs, string to, string subject, string text) =>
        jobs.Enqueue<SendEmailJob>(j => j.RunAsync(to, subject, text, CancellationToken.None), JobsExtensions.DefaultQueue);
}
