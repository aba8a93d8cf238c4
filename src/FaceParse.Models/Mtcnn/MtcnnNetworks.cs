using FaceParse.Nn;

namespace FaceParse.Models.Mtcnn;

/// <summary>The three MTCNN networks as one module, keyed <c>pnet.*</c>, <c>rnet.*</c>, <c>onet.*</c> (facenet-pytorch's
/// <c>MTCNN</c> module registers them under the same names), so one safetensors file holds the whole detector.</summary>
public sealed class MtcnnNetworks : Module
{
    public MtcnnNetworks(VarBuilder vb)
    {
        ArgumentNullException.ThrowIfNull(vb);
        PNet = Child(vb, "pnet", v => new PNet(v));
        RNet = Child(vb, "rnet", v => new RNet(v));
        ONet = Child(vb, "onet", v => new ONet(v));
        Eval();
    }

    public PNet PNet { get; }
    public RNet RNet { get; }
    public ONet ONet { get; }
}
