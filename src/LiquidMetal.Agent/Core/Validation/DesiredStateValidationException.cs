namespace LiquidMetal.Agent.Core.Validation;

/// <summary>Thrown by Apply when a desired state is refused; nothing already running was touched.</summary>
public sealed class DesiredStateValidationException : Exception
{
    public DesiredStateValidationException(IReadOnlyList<string> errors)
        : base("desired state refused: " + string.Join("; ", errors))
    {
        Errors = errors;
    }

    /// <summary>One message per problem, each naming the VM and field at fault and what would be right.</summary>
    public IReadOnlyList<string> Errors { get; }

    /// <summary>
    /// Refused only for its generation: the sender built it on a status older than what the agent applied since
    /// (another writer's Apply came first). Asking for the status and building it again can succeed.
    /// </summary>
    public bool Stale { get; init; }
}
