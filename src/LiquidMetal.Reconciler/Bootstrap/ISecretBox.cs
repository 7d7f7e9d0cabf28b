namespace LiquidMetal.Reconciler.Bootstrap;

/// <summary>Seals what must never be in Git as plaintext, and opens it again (age, in the reconciler as it runs).</summary>
public interface ISecretBox
{
    byte[] Seal(ReadOnlySpan<byte> plaintext);

    /// <summary>The plaintext; throws <see cref="SecretBoxException"/> when this box cannot open it (another key, damage).</summary>
    byte[] Open(ReadOnlySpan<byte> sealedBytes);
}

/// <summary>Sealed data this reconciler cannot open: say so and touch nothing (never make new secrets over it).</summary>
public sealed class SecretBoxException(string message, Exception? inner = null) : Exception(message, inner);
