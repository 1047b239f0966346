using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace LayerLab.Training.Checkpoints;

/// <summary>
/// The on-disk format of one checkpoint:
/// <code>
/// "LLCKPT01" (8 bytes) | SHA-256 of the body (32 bytes) | body
/// body = step (int64 LE) | fingerprint length (int32 LE) | fingerprint (UTF-8) | state length (int64 LE) | state
/// </code>
/// The checksum covers everything after it, so a truncated or altered file is detected before any of it is used.
/// </summary>
public static class CheckpointFile
{
    private static readonly byte[] Magic = "LLCKPT01"u8.ToArray();
    private const int HashLength = 32;

    public static byte[] Encode(Checkpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var fingerprint = Encoding.UTF8.GetBytes(checkpoint.Fingerprint);
        using var body = new MemoryStream(8 + 4 + fingerprint.Length + 8 + checkpoint.State.Length);
        using (var writer = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(checkpoint.Step);
            writer.Write(fingerprint.Length);
            writer.Write(fingerprint);
            writer.Write((long)checkpoint.State.Length);
            writer.Write(checkpoint.State);
        }
        var bodyBytes = body.ToArray();
        var file = new byte[Magic.Length + HashLength + bodyBytes.Length];
        Magic.CopyTo(file, 0);
        SHA256.HashData(bodyBytes, file.AsSpan(Magic.Length, HashLength));
        bodyBytes.CopyTo(file, Magic.Length + HashLength);
        return file;
    }

    /// <summary>Decodes a file's bytes.</summary>
    /// <exception cref="InvalidDataException">Wrong magic, checksum mismatch or truncated: the file must not be used.</exception>
    public static Checkpoint Decode(ReadOnlySpan<byte> file)
    {
        if (file.Length < Magic.Length + HashLength || !file[..Magic.Length].SequenceEqual(Magic))
            throw new InvalidDataException("not a LayerLab checkpoint (bad header or truncated)");
        var body = file[(Magic.Length + HashLength)..];
        Span<byte> hash = stackalloc byte[HashLength];
        SHA256.HashData(body, hash);
        if (!hash.SequenceEqual(file.Slice(Magic.Length, HashLength)))
            throw new InvalidDataException("checksum mismatch (the file is damaged or truncated)");

        // The checksum matched, so the lengths below are the ones that were written; still guard them.
        var step = BinaryPrimitives.ReadInt64LittleEndian(body);
        var fingerprintLength = BinaryPrimitives.ReadInt32LittleEndian(body[8..]);
        var offset = 12;
        if (fingerprintLength < 0 || offset + fingerprintLength + 8 > body.Length) throw new InvalidDataException("bad fingerprint length");
        var fingerprint = Encoding.UTF8.GetString(body.Slice(offset, fingerprintLength));
        offset += fingerprintLength;
        var stateLength = BinaryPrimitives.ReadInt64LittleEndian(body[offset..]);
        offset += 8;
        if (stateLength != body.Length - offset) throw new InvalidDataException("bad state length");
        return new Checkpoint(fingerprint, step, body[offset..].ToArray());
    }
}
