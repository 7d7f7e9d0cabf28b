using System.Security.Cryptography;
using System.Text;
using LiquidMetal.Reconciler.Secrets.Age;

namespace LiquidMetal.Reconciler.Tests.Secrets;

/// <summary>age's ASCII armor: the PEM age -a writes, read back strictly.</summary>
public sealed class AgeArmorTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(47)]
    [InlineData(48)] // exactly one full 64-column line
    [InlineData(49)]
    [InlineData(1000)]
    public void Armor_64ColumnLinesBetweenBeginAndEnd_AndDearmorGivesTheBytesBack(int length)
    {
        var data = RandomNumberGenerator.GetBytes(length);

        var text = AgeFile.Armor(data);

        var lines = text.Split('\n');
        Assert.Equal("-----BEGIN AGE ENCRYPTED FILE-----", lines[0]);
        Assert.Equal(["-----END AGE ENCRYPTED FILE-----", ""], lines[^2..]);
        Assert.All(lines[1..^3], l => Assert.Equal(64, l.Length));
        Assert.InRange(lines[^3].Length, 1, 64);
        Assert.Equal(data, AgeFile.Dearmor(Encoding.ASCII.GetBytes(text)));
        Assert.True(AgeFile.IsArmored(Encoding.ASCII.GetBytes(text)));
    }

    [Theory]
    [InlineData("-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n", "the last line is not -----END AGE ENCRYPTED FILE-----")]
    [InlineData("-----BEGIN AGE ENCRYPTED FILE-----\nywdl\n-----end age encrypted file-----\n", "the last line is not")]
    [InlineData("-----BEGIN AGE ENCRYPTED FILE-----\nYW\tdl\n-----END AGE ENCRYPTED FILE-----\n", "a byte that is not printable ASCII (0x09)")]
    [InlineData("-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\r\r\n-----END AGE ENCRYPTED FILE-----\n", "line 2 has a character that is not base64")]
    [InlineData("-----BEGIN AGE ENCRYPTED FILE-----\nYW==\n-----END AGE ENCRYPTED FILE-----\n", "not canonical")]
    public void Dearmor_NotCanonical_Refused(string text, string expected)
    {
        var error = Assert.Throws<AgeException>(() => AgeFile.Dearmor(Encoding.ASCII.GetBytes(text)));

        Assert.Equal(AgeFailure.Armor, error.Failure);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
