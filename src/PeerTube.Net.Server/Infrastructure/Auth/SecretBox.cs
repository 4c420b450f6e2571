using System.Security.Cryptography;
using System.Text;

namespace PeerTube.Net.Server.Infrastructure.Auth;

/// <summary>
/// Seals small secrets kept in the database (a two-factor seed), as PeerTube encrypts them with its instance secret:
/// AES-256-GCM under keys/secrets.key, so a copy of the database alone does not give them away. Sealed values read
/// "v1:" + base64(nonce, tag, ciphertext); a value without the prefix, from before, is read as it is.
/// </summary>
public sealed class SecretBox(StoragePaths paths)
{
    private const string Prefix = "v1:";
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly Lazy<byte[]> _key = new(() => paths.LoadOrCreateKey("secrets.key"));

    public string Seal(string secret)
    {
        var plain = Encoding.UTF8.GetBytes(secret);
        var sealedBytes = new byte[NonceSize + TagSize + plain.Length];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key.Value, TagSize);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize));
        return Prefix + Convert.ToBase64String(sealedBytes);
    }

    /// <exception cref="CryptographicException">The value was sealed with another key, or changed.</exception>
    public string Open(string stored)
    {
        if (!stored.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return stored;
        }

        var sealedBytes = Convert.FromBase64String(stored[Prefix.Length..]);
        if (sealedBytes.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("The sealed secret is too short.");
        }

        var plain = new byte[sealedBytes.Length - NonceSize - TagSize];
        using var aes = new AesGcm(_key.Value, TagSize);
        aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize), plain);
        return Encoding.UTF8.GetString(plain);
    }
}
