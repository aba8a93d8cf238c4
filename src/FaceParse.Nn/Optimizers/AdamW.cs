namespace FaceParse.Nn.Optimizers;

/// <summary>torch.optim.AdamW: Adam with decoupled weight decay, p ← p − lr·wd·p before the Adam step (default wd 0.01).</summary>
public sealed class AdamW(IEnumerable<ParamGroup> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 1e-2, bool amsgrad = false)
    : Adam(groups, lr, beta1, beta2, eps, weightDecay, amsgrad, decoupled: true);
