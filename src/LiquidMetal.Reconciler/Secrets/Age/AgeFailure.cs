namespace LiquidMetal.Reconciler.Secrets.Age;

/// <summary>The step of reading an age key or file that failed, in the order a file is read.</summary>
public enum AgeFailure
{
    /// <summary>A recipient, identity or key file is malformed.</summary>
    Key,

    /// <summary>The ASCII armor around the file is not canonical.</summary>
    Armor,

    /// <summary>Not an age file, another version, or a malformed header.</summary>
    Header,

    /// <summary>The header is sound but none of the identities opens any of its stanzas.</summary>
    NoMatch,

    /// <summary>The file key was found but the header's MAC does not match: the header was changed.</summary>
    HeaderMac,

    /// <summary>The payload is cut, extended or changed.</summary>
    Payload,
}
