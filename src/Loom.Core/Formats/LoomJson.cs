namespace Loom.Core.Formats;

/// <summary>Names of Loom's own lossless JSON format.</summary>
public static class LoomJson
{
    /// <summary>The value of the top-level <c>format</c> key.</summary>
    public const string FormatTag = "loom";

    /// <summary>The version this Loom writes.</summary>
    public const int Version = 1;
}
