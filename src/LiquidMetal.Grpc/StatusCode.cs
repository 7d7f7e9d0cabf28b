namespace LiquidMetal.Grpc;

/// <summary>The 17 gRPC status codes, with the numeric values carried in <c>grpc-status</c>.</summary>
public enum StatusCode
{
    /// <summary>Not an error.</summary>
    OK = 0,

    /// <summary>The operation was cancelled, typically by the caller.</summary>
    Cancelled = 1,

    /// <summary>An error with no better code, e.g. an unexpected exception in a handler.</summary>
    Unknown = 2,

    /// <summary>The client specified an invalid argument, whatever the state of the system.</summary>
    InvalidArgument = 3,

    /// <summary>The deadline expired before the operation could complete.</summary>
    DeadlineExceeded = 4,

    /// <summary>A requested entity was not found.</summary>
    NotFound = 5,

    /// <summary>The entity a client tried to create already exists.</summary>
    AlreadyExists = 6,

    /// <summary>The caller is known but may not execute this operation.</summary>
    PermissionDenied = 7,

    /// <summary>A resource ran out, e.g. a message exceeded the size limit.</summary>
    ResourceExhausted = 8,

    /// <summary>The system is not in the state the operation requires.</summary>
    FailedPrecondition = 9,

    /// <summary>The operation was aborted, typically by a concurrency conflict.</summary>
    Aborted = 10,

    /// <summary>The operation was attempted past the valid range.</summary>
    OutOfRange = 11,

    /// <summary>The method is not implemented or not supported by the server.</summary>
    Unimplemented = 12,

    /// <summary>An invariant of the underlying system was broken.</summary>
    Internal = 13,

    /// <summary>The service is currently unavailable; retrying with backoff may help.</summary>
    Unavailable = 14,

    /// <summary>Unrecoverable data loss or corruption.</summary>
    DataLoss = 15,

    /// <summary>The request has no valid credentials.</summary>
    Unauthenticated = 16,
}
