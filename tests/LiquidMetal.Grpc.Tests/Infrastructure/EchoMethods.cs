namespace LiquidMetal.Grpc.Tests.Infrastructure;

/// <summary>Full method names of the test service.</summary>
public static class EchoMethods
{
    public const string Unary = "/liquidmetal.test.v1.Echo/Unary";
    public const string Stream = "/liquidmetal.test.v1.Echo/Stream";
    public const string Missing = "/liquidmetal.test.v1.Echo/Missing";
}
