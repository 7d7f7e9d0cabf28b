using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace LiquidMetal.Reconciler.Tests.Fakes;

/// <summary>A logger that keeps every event with its id, level and structured fields.</summary>
internal sealed class CapturingLogger : ILogger
{
    public ConcurrentQueue<(int Id, LogLevel Level, Dictionary<string, object?> Fields)> Events { get; } = new();

    /// <summary>The events with id <paramref name="id"/>.</summary>
    public List<(int Id, LogLevel Level, Dictionary<string, object?> Fields)> Of(int id) => [.. Events.Where(e => e.Id == id)];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Events.Enqueue((eventId.Id, logLevel, state is IEnumerable<KeyValuePair<string, object?>> fields ? fields.ToDictionary(f => f.Key, f => f.Value) : []));
}
