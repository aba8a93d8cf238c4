using FaceParse.Tensors;

namespace FaceParse.Nn;

/// <summary>torch.nn.Embedding: <c>weight [num_embeddings, embedding_dim]</c> drawn from N(0, 1), the
/// <paramref name="paddingIdx"/> row (if any) zeroed at initialisation and excluded from gradient updates.</summary>
// ids [*] (int) → [*, embedding_dim]
public sealed class Embedding : Module
{
    public Embedding(VarBuilder vb, int numEmbeddings, int embeddingDim, int? paddingIdx = null)
    {
        ArgumentNullException.ThrowIfNull(vb);
        LayerChecks.RequirePositive("Embedding", (nameof(numEmbeddings), numEmbeddings), (nameof(embeddingDim), embeddingDim));
        if (paddingIdx is int p && (p < -numEmbeddings || p >= numEmbeddings))
            throw new ArgumentOutOfRangeException(nameof(paddingIdx), $"Embedding: paddingIdx {p} is outside [-{numEmbeddings}, {numEmbeddings}).");
        PaddingIdx = paddingIdx is int q && q < 0 ? q + numEmbeddings : paddingIdx;
        Weight = Param(vb, "weight", [numEmbeddings, embeddingDim], (t, rng) =>
        {
            Init.Normal(0, 1)(t, rng);
            if (PaddingIdx is int row) t.Span.Slice(row * embeddingDim, embeddingDim).Clear();
        });
    }

    public int? PaddingIdx { get; }
    public Tensor Weight { get; }

    public Tensor Forward(IntTensor ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var y = Tensor.Embedding(ids, Weight);
        if (PaddingIdx is not int pad || !Array.Exists(ids.Data, id => id == pad)) return y;
        // Same values, but rows looked up at the padding index pass no gradient: y·keep + detach(y)·(1 − keep).
        var keep = Tensor.Empty([.. ids.Shape, 1]);
        var k = keep.Span;
        for (int i = 0; i < ids.Count; i++) k[i] = ids.Data[i] == pad ? 0f : 1f;
        return y * keep + y.Detach() * (-keep + 1f);
    }
}
