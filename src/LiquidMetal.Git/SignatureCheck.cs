namespace LiquidMetal.Git;

/// <summary>The verdict on one commit's signature, with a sentence for the status branch.</summary>
public sealed record SignatureCheck(SignatureVerdict Verdict, string Detail)
{
    public bool Trusted => Verdict == SignatureVerdict.Trusted;
}

/// <summary>Whether a commit is signed by a trusted key.</summary>
public enum SignatureVerdict
{
    Trusted,
    Unsigned,
    Untrusted,
}
