#!/usr/bin/env python3
# Implements: a weak-scaling cost model of mnemo's data-parallel training
#   step (fixed batch per rank), fed by measurements of this machine (written
#   by tests/bench/scaling_model.sh) and by published interconnect and GPU
#   figures (sources beside each constant). Per rank and step, with N ranks:
#     compute  C: measured here (CPU), or on a GPU
#                 max(FLOPs / (achieved fraction x peak), kernels x launch)
#     comm     t(S, N) = alpha(N) + 2(N-1)/N x S / busbw(N) per all-reduce of
#                 S bytes (nccl-tests' busbw), the smaller over NCCL's LL and
#                 Simple protocols; a step sends k = ceil(S / 25 MiB) gradient
#                 buckets plus one small MPI all-reduce of sample counts.
#                 NCCL: buckets overlap backward (2/3 of C) except the last;
#                 MPI: no overlap.
#     input    bytes per rank = B x sample bytes + N x B x 8 label bytes (each
#                 rank reads only its rows' samples but every label), at the
#                 file-offset read rate measured here; read ahead by a thread, so it
#                 costs only when slower than the rest of the step.
#     T(N) = max(C + exposed comm, input);  efficiency = T(1) / T(N).
# Usage: scaling_model.py MEASUREMENTS.json   (stdlib only)
import json
import math
import sys

GPUS_PER_NODE = 8  # DGX H100 / HGX H100: 8 GPUs, 8 ConnectX-7 NDR 400 Gb/s HCAs per node
BUCKET = 25 << 20  # mnemo's --bucket-mb default (DDP's 25 MiB)

# --- Published ---------------------------------------------------------------------------------
# H100 SXM dense peaks (NVIDIA H100 datasheet, https://www.nvidia.com/en-us/data-center/h100/:
# TF32 Tensor Core "989 TFLOPS with sparsity", half without; FP32 67 TFLOPS; table also at
# https://glennklockwood.com/garden/processors/h100). LibTorch runs convolutions in TF32 by
# default (cuDNN allow_tf32) and float matmuls in FP32.
PEAK_TF32 = 494.7e12
PEAK_FP32 = 66.9e12
# nccl-tests all_reduce busBw, peak:
#  8 x H100 in one node, NVLink SHARP: "~480GB/s" (S. Jeaugey, NVIDIA,
#    https://github.com/NVIDIA/nccl-tests/issues/212; Ring alone ~370 GB/s);
#  across nodes, 8 NDR HCAs per node: "46-48GB/s per NIC" for NDR 400 Gb/s (NVIDIA,
#    https://github.com/NVIDIA/nccl-tests/issues/290), i.e. 368-384 GB/s per node; ~350 GB/s
#    measured on 248 nodes x 8 H200 with 8 NDR HCAs (https://github.com/NVIDIA/nccl-tests/issues/283).
BUSBW_INTRA, BUSBW_INTER = 480e9, 350e9
# NCCL's own cost model (https://github.com/NVIDIA/nccl src/graph/tuning.cc, commit b6475625): latencies in us;
# the LL protocol's bandwidth cap llMaxBws (Hopper, 1 node: 87.7 GB/s; x86 Intel, >2 nodes: 20.4 GB/s).
LL_BUSBW_INTRA, LL_BUSBW_INTER = 87.7e9, 20.4e9


def alpha_ll(n):  # Ring/LL in a node: baseLat 6.6 + 2(n-1) x 0.6; Tree/LL across nodes: 6.8 + 2 x
    nodes, ppn = math.ceil(n / GPUS_PER_NODE), min(n, GPUS_PER_NODE)  # ((ppn-1) x 0.6 + log2(nodes) x 5.0)
    if nodes == 1:
        return 1e-6 * (6.6 + 2 * (n - 1) * 0.6)
    return 1e-6 * (6.8 + 2 * ((ppn - 1) * 0.6 + math.log2(nodes) * 5.0))


def alpha_simple(n):  # NVLS in a node: 23; NVLS Tree across nodes: 23 + 2 x log2(nodes) x 14
    nodes = math.ceil(n / GPUS_PER_NODE)
    return 1e-6 * (23 + 2 * math.log2(nodes) * 14)


# --- Assumed (no published figure for these exact cases) ----------------------------------------
# Achieved fraction of the dense peak. NVIDIA's DeepLearningExamples ResNet-50 v1.5 (PyTorch,
# https://github.com/NVIDIA/DeepLearningExamples/tree/master/PyTorch/Classification/ConvNets/resnet50v1.5)
# trains 938 img/s in TF32 on one A100 80GB: x 24.6 GFLOP = 23.1 TFLOP/s = 14.8% of A100's 156.
ACHIEVED = 0.15
LAUNCH = 5e-6  # s per kernel launch, eager LibTorch (a few us each; launches overlap GPU work)
BACKWARD = 2 / 3  # share of the step's compute that is backward (and so can hide buckets)
# Kernels per step: ~7 per layer (forward op, BN, ReLU; backward data and weight gradients, BN,
# ReLU), plus loss, input conversion, augmentation and the fused optimizer. (On GPU the MLP runs its
# autograd layers: model/fused_mlp.h is CPU only.)
KERNELS = {"mlp": 30, "resnet18": 180, "resnet50": 420}


def reduced_resnet18_macs(nf=20, hw=32, classes=10):  # src/model/resnet.h: [2,2,2,2], nf=20, 3x3 stem
    macs, c_in, size = hw * hw * nf * 3 * 9, nf, hw
    for i, c in enumerate((nf, 2 * nf, 4 * nf, 8 * nf)):
        size //= 1 if i == 0 else 2
        macs += size * size * 9 * (c * c_in + 3 * c * c)  # two BasicBlocks: four 3x3 convolutions
        if c != c_in:
            macs += size * size * c * c_in  # 1x1 shortcut
        c_in = c
    return macs + 8 * nf * classes


MLP_FLOPS = 2 * 2 * (784 * 100 + 100 * 100 + 100 * 10) + 2 * (100 * 100 + 100 * 10)  # as tests/bench/flops.sh


def fit_line(xs, ys):  # y = a + b x, least squares of the relative residuals (sizes span 3 decades)
    ws = [1 / y ** 2 for y in ys]
    mx, my = (sum(w * v for w, v in zip(ws, vs)) / sum(ws) for vs in (xs, ys))
    b = sum(w * (x - mx) * (y - my) for w, x, y in zip(ws, xs, ys)) / sum(w * (x - mx) ** 2 for w, x in zip(ws, xs))
    return my - b * mx, b


def nccl_allreduce(nbytes, n, slow=1.0):
    """Seconds for one all-reduce of nbytes over n GPUs; slow scales latency up and bandwidth down."""
    if n == 1:
        return 0.0
    inter = n > GPUS_PER_NODE
    protocols = ((alpha_ll(n), LL_BUSBW_INTER if inter else LL_BUSBW_INTRA),
                 (alpha_simple(n), BUSBW_INTER if inter else BUSBW_INTRA))
    return min(slow * a + 2 * (n - 1) / n * nbytes * slow / bw for a, bw in protocols)


def step(w, n, m, slow=1.0):
    """Step time and its parts (seconds) for workload w on n ranks."""
    c = w["compute"]
    grad = 4 * w["params"]
    k = max(1, math.ceil(grad / BUCKET))
    if w["backend"] == "nccl":
        t_grad = k * nccl_allreduce(grad / k, n, slow)
        ctrl = slow * alpha_ll(n) if n > 1 else 0.0  # assumed: MPI's small all-reduce costs NCCL's LL latency
        exposed = ctrl + t_grad / k + max(0.0, t_grad * (k - 1) / k - BACKWARD * c)
    else:  # mpi backend on this machine: fitted alpha + bytes / beta (2 ranks), blocking, after backward
        a, inv_beta = m["allreduce_fit"]["mnemo"]
        t_grad = 0.0 if n == 1 else k * (a + grad / k * inv_beta)
        ctrl = 0.0 if n == 1 else m["allreduce_fit"]["raw"][0]
        exposed = ctrl + t_grad
    in_bytes = w["batch"] * w["sample_bytes"] + n * w["batch"] * 8
    t_in = in_bytes / m["input_bytes_per_s"]
    return {"T": max(c + exposed, t_in), "C": c, "comm": t_grad + ctrl, "exposed": exposed, "input": t_in,
            "in_bytes": in_bytes, "label_share": n * w["batch"] * 8 / in_bytes}


def gpu_compute(flops_per_sample, batch, peak, kernels):
    return max(flops_per_sample * batch / (ACHIEVED * peak), kernels * LAUNCH)


def workloads(m):
    mlp_params, r18_params = m["mlp_params"], m["resnet18_params"]
    r18_flops = 3 * 2 * reduced_resnet18_macs()
    r50_flops = 3 * 2 * 4.1e9  # 4.1 G multiply-adds forward per 224x224 image (He et al. 2016: 3.8e9)
    return [
        dict(name="MLP, batch 10 (CPU, measured)", backend="mpi", params=mlp_params, batch=10,
             sample_bytes=784, compute=m["step_seconds"]["10"], ranks=(1, 2)),
        dict(name="MLP, batch 128 (CPU, measured)", backend="mpi", params=mlp_params, batch=128,
             sample_bytes=784, compute=m["step_seconds"]["128"], ranks=(1, 2)),
        dict(name="MLP, Split Fashion-MNIST, batch 10", backend="nccl", params=mlp_params, batch=10,
             sample_bytes=784, compute=gpu_compute(MLP_FLOPS, 10, PEAK_FP32, KERNELS["mlp"])),
        dict(name="MLP, Split Fashion-MNIST, batch 128", backend="nccl", params=mlp_params, batch=128,
             sample_bytes=784, compute=gpu_compute(MLP_FLOPS, 128, PEAK_FP32, KERNELS["mlp"])),
        dict(name="reduced ResNet-18, Split CIFAR-10 + crop/flip, batch 32", backend="nccl", params=r18_params,
             batch=32, sample_bytes=3 * 32 * 32, compute=gpu_compute(r18_flops, 32, PEAK_TF32, KERNELS["resnet18"])),
        dict(name="ResNet-50, ImageNet-size class-IL stream, batch 128", backend="nccl", params=25.6e6,
             batch=128, sample_bytes=224 * 224 * 3,
             compute=gpu_compute(r50_flops, 128, PEAK_TF32, KERNELS["resnet50"])),
    ]


def main():
    m = json.load(open(sys.argv[1]))
    rows = m["allreduce"]
    fits = {}
    for key in ("raw", "mnemo"):
        xs, ys = [r["bytes"] for r in rows], [r[key + "_us"] * 1e-6 for r in rows]
        a, b = fit_line(xs, ys)
        fits[key] = (max(a, 0.0), b)  # an intercept below 0 is noise
    m["allreduce_fit"] = fits
    m["input_bytes_per_s"] = m["input_samples_per_s"] * (m["input_sample_bytes"] + 8)

    print(f"Inputs ({m.get('cpu', 'this machine')}):")
    s10, s128 = m["step_seconds"]["10"], m["step_seconds"]["128"]
    print(f"  measured here  MLP {m['mlp_params']:,} parameters, finetune step on 1 rank, 1 thread: "
          f"batch 10 {1e6 * s10:.0f} us, batch 128 {1e6 * s128:.0f} us "
          f"({MLP_FLOPS * 128 / s128 / 1e9:.0f} GFLOP/s)")
    for key, what in (("mnemo", "mnemo mpi backend (node shared memory)"), ("raw", "raw MPI_Allreduce")):
        a, b = fits[key]
        worst = max(abs(a + r["bytes"] * b - r[key + "_us"] * 1e-6) / (r[key + "_us"] * 1e-6) for r in rows)
        print(f"  measured here  all-reduce, 2 ranks, {what}: alpha {1e6 * a:.1f} us, beta {1e-9 / b:.2f} GB/s "
              f"(relative least squares, {len(rows)} sizes {rows[0]['bytes'] >> 10}-{rows[-1]['bytes'] >> 10} KiB; "
              f"worst residual {100 * worst:.0f}%)")
        print("                 measured / fitted us: " + ", ".join(
            f"{r['bytes'] >> 10} KiB {r[key + '_us']:.0f} / {1e6 * (a + r['bytes'] * b):.0f}" for r in rows))
    print(f"  measured here  input through the file-offset path (inline reads, page cache warm): "
          f"{m['input_samples_per_s'] / 1e6:.2f} M samples/s x {m['input_sample_bytes'] + 8} B = "
          f"{m['input_bytes_per_s'] / 1e9:.2f} GB/s per rank")
    print(f"  measured here  reduced ResNet-18 as built by mnemo_bench_allreduce: {m['resnet18_params']:,} parameters; "
          f"{reduced_resnet18_macs() / 1e6:.1f} M multiply-adds per 32x32 image (computed from src/model/resnet.h)")
    print(f"  published      NCCL busbw {BUSBW_INTRA / 1e9:.0f} GB/s in a node (NVLink SHARP, 8 x H100), "
          f"{BUSBW_INTER / 1e9:.0f} GB/s across nodes (8 x NDR 400 Gb/s); LL protocol "
          f"{LL_BUSBW_INTRA / 1e9:.1f} / {LL_BUSBW_INTER / 1e9:.1f} GB/s")
    print("  published      NCCL latency model (tuning.cc), us: " +
          ", ".join(f"{n} GPUs LL {1e6 * alpha_ll(n):.0f} / Simple {1e6 * alpha_simple(n):.0f}" for n in (8, 64, 512)))
    print(f"  published      H100 SXM dense peak: TF32 {PEAK_TF32 / 1e12:.0f} TFLOP/s, FP32 {PEAK_FP32 / 1e12:.0f}; "
          f"ResNet-50 {3 * 2 * 4.1:.1f} GFLOP per training image")
    print(f"  assumed        GPU compute at {100 * ACHIEVED:.0f}% of peak, at least {1e6 * LAUNCH:.0f} us per kernel "
          f"({' / '.join(map(str, KERNELS.values()))} kernels per step); buckets but the last hidden behind "
          f"backward ({BACKWARD:.2f} of compute) on NCCL, none on MPI; {GPUS_PER_NODE} GPUs per node; "
          "count all-reduce = NCCL LL latency")

    print("\nWeak scaling (batch per rank fixed). Times per step in ms; comm = all collectives of a step "
          "(exposed: not hidden behind backward);\ninput = this rank's bytes at the measured file-offset read rate, read "
          "ahead by a thread; eff = T(1)/T(N); pessimistic: alpha x2, busbw /2.")
    head = (f"{'workload':<56} {'N':>4} {'step':>8} {'compute':>8} {'comm':>8} {'exposed':>8} {'input':>7} "
            f"{'in KB':>7} {'labels':>6} {'eff':>5} {'pessim.':>7}")
    print(head)
    print("-" * len(head))
    for w in workloads(m):
        base, base_slow = step(w, 1, m), step(w, 1, m, slow=2.0)
        for n in w.get("ranks", (1, 8, 64, 512)):
            s, p = step(w, n, m), step(w, n, m, slow=2.0)
            pessimistic = f"{100 * base_slow['T'] / p['T']:>6.0f}%" if w["backend"] == "nccl" else f"{'-':>7}"
            print(f"{w['name'] if n == 1 else '':<56} {n:>4} {1e3 * s['T']:>8.3f} {1e3 * s['C']:>8.3f} "
                  f"{1e3 * s['comm']:>8.3f} {1e3 * s['exposed']:>8.3f} {1e3 * s['input']:>7.3f} "
                  f"{s['in_bytes'] / 1e3:>7.0f} {100 * s['label_share']:>5.0f}% {100 * base['T'] / s['T']:>4.0f}% "
                  f"{pessimistic}")
    cross = {w["name"].split(",")[0] + f" ({w['sample_bytes']} B)": w["sample_bytes"] // 8
             for w in workloads(m) if w["backend"] == "nccl"}
    print("\nA rank's label bytes (N x B x 8) outweigh its sample bytes (B x sample) from N = sample bytes / 8 "
          "ranks on, whatever B: " + ", ".join(f"{k} {v:,}" for k, v in cross.items()) + ".")
    print("CPU rows: this machine, MPI over node shared memory (2 cores: 2 ranks at most). GPU rows: H100 SXM, "
          "NCCL, 8 GPUs per node, InfiniBand NDR between nodes.")


if __name__ == "__main__":
    main()
