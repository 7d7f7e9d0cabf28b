namespace LiquidMetal.Reconciler.Secrets.Age;

/// <summary>What is wrong with an age key, key file or encrypted file; never carries key material.</summary>
public sealed class AgeException(AgeFailure failure, string message) : Exception(message)
{
    /// <summary>Which step refused: a caller can tell "not for us" from "damaged" without reading the message.</summary>
    public AgeFailure Failure { get; } = failure;
}
