/**
 * Accelerator catalog. The spec-sheet figures are those of ../shared/data/hardware-specs.csv (a test checks the
 * two agree when the CSV is present); this table is embedded so the package works without the shared folder.
 *
 * Idle power is not a spec-sheet figure. `idlePowerW` is the power of a GPU that a serving engine holds a CUDA
 * (or ROCm) context on but gives no work: bare idle plus the context overhead. Public figures: about 61 W for a
 * bare-idle H100 NVL, and a context adds roughly 26-66 W on recent NVIDIA parts. The values below are assumptions
 * scaled from those figures by board power (roughly 14-18 % of board power), rounded; see docs/simulator.md.
 * Two exceptions: H100 NVL is the measured 61 W bare idle plus about 30 W of context (90 W, not 14-18 % of its
 * 400 W cap), and GH200 takes the H100 SXM's 110 W, the same Hopper GPU: its 1000 W module figure includes the
 * Grace CPU, so scaling by it would overstate the GPU's idle power.
 *
 * `gpuPowerW` is the power ceiling of the GPU alone where the board figure covers more than the GPU. Only GH200
 * has one: its 450-1000 W module budget includes the Grace CPU and its memory; the GPU is the H100 SXM's Hopper,
 * so it takes that GPU's 700 W. The llm-inference-bench power runs agree (GH200 411-614 W, TensorRT-LLM at batch 1
 * 411 W against 413 W on H100 SXM; docs/llm-inference-bench.md). The simulator draws power up to this ceiling.
 */

export interface HardwareSpec {
  name: string;
  vendor: string;
  memoryGB: number;
  hbmBandwidthTBs: number;
  denseBf16Tflops: number;
  boardPowerW: number;
  /** power ceiling of the GPU alone (W), where `boardPowerW` also covers other parts of the board (see above) */
  gpuPowerW?: number;
  /** typical power of an idle GPU holding a serving engine's context (assumption, see above) */
  idlePowerW: number;
  interconnect: string;
  /** per-GPU interconnect bandwidth in GB/s (one direction, as on the spec sheet) */
  interconnectGBs: number;
  /** native FP8 tensor cores (FP8 runs at twice BF16 throughput) */
  fp8: boolean;
  /** native FP4 / MXFP4 tensor cores */
  fp4: boolean;
  aliases: string[];
  notes: string;
}

export const HARDWARE: readonly HardwareSpec[] = [
  { name: 'A100-SXM4-40GB', vendor: 'NVIDIA', memoryGB: 40, hbmBandwidthTBs: 1.555, denseBf16Tflops: 312, boardPowerW: 400, idlePowerW: 60, interconnect: 'NVLink3', interconnectGBs: 600, fp8: false, fp4: false, aliases: ['A100-40GB', 'A100-SXM-40GB'], notes: 'spec sheet' },
  { name: 'A100-SXM4-80GB', vendor: 'NVIDIA', memoryGB: 80, hbmBandwidthTBs: 2.039, denseBf16Tflops: 312, boardPowerW: 400, idlePowerW: 65, interconnect: 'NVLink3', interconnectGBs: 600, fp8: false, fp4: false, aliases: ['A100', 'A100-80GB', 'A100-SXM-80GB'], notes: 'spec sheet' },
  { name: 'H100-SXM5-80GB', vendor: 'NVIDIA', memoryGB: 80, hbmBandwidthTBs: 3.35, denseBf16Tflops: 989, boardPowerW: 700, idlePowerW: 110, interconnect: 'NVLink4', interconnectGBs: 900, fp8: true, fp4: false, aliases: ['H100', 'H100-SXM', 'H100-80GB', 'H100-SXM-80GB'], notes: 'spec sheet' },
  { name: 'H200-SXM-141GB', vendor: 'NVIDIA', memoryGB: 141, hbmBandwidthTBs: 4.8, denseBf16Tflops: 989, boardPowerW: 700, idlePowerW: 115, interconnect: 'NVLink4', interconnectGBs: 900, fp8: true, fp4: false, aliases: ['H200', 'H200-SXM', 'H200-141GB'], notes: 'spec sheet' },
  { name: 'B200-SXM-180GB', vendor: 'NVIDIA', memoryGB: 180, hbmBandwidthTBs: 8.0, denseBf16Tflops: 2250, boardPowerW: 1000, idlePowerW: 160, interconnect: 'NVLink5', interconnectGBs: 1800, fp8: true, fp4: true, aliases: ['B200', 'B200-SXM', 'B200-180GB'], notes: 'spec sheet (DGX B200 per-GPU share)' },
  { name: 'L40S-48GB', vendor: 'NVIDIA', memoryGB: 48, hbmBandwidthTBs: 0.864, denseBf16Tflops: 362, boardPowerW: 350, idlePowerW: 45, interconnect: 'PCIe4', interconnectGBs: 64, fp8: true, fp4: false, aliases: ['L40S', 'L40S-PCIE'], notes: 'spec sheet; no NVLink' },
  { name: 'V100-SXM2-32GB', vendor: 'NVIDIA', memoryGB: 32, hbmBandwidthTBs: 0.9, denseBf16Tflops: 125, boardPowerW: 300, idlePowerW: 45, interconnect: 'NVLink2', interconnectGBs: 300, fp8: false, fp4: false, aliases: ['V100', 'V100-32GB', 'V100-SXM2'], notes: 'spec sheet (tensor-core FP16)' },
  { name: 'MI250X', vendor: 'AMD', memoryGB: 128, hbmBandwidthTBs: 3.2, denseBf16Tflops: 383, boardPowerW: 560, idlePowerW: 90, interconnect: 'InfinityFabric', interconnectGBs: 100, fp8: false, fp4: false, aliases: ['MI250', 'AMD-MI250X'], notes: 'spec sheet (per link)' },
  { name: 'MI300X', vendor: 'AMD', memoryGB: 192, hbmBandwidthTBs: 5.3, denseBf16Tflops: 1307, boardPowerW: 750, idlePowerW: 140, interconnect: 'InfinityFabric', interconnectGBs: 896, fp8: true, fp4: false, aliases: ['MI300', 'AMD-MI300X'], notes: 'spec sheet (aggregate)' },
  { name: 'Gaudi2', vendor: 'Intel', memoryGB: 96, hbmBandwidthTBs: 2.45, denseBf16Tflops: 432, boardPowerW: 600, idlePowerW: 100, interconnect: 'RoCE-24x100GbE', interconnectGBs: 300, fp8: true, fp4: false, aliases: ['HL-225', 'Gaudi-2', 'Intel-Gaudi2'], notes: 'approximate (not a vendor BF16 figure)' },
  { name: 'H100-NVL-94GB', vendor: 'NVIDIA', memoryGB: 94, hbmBandwidthTBs: 3.9, denseBf16Tflops: 835, boardPowerW: 400, idlePowerW: 90, interconnect: 'NVLink-bridge', interconnectGBs: 600, fp8: true, fp4: false, aliases: ['H100-NVL', 'H100NVL-94GB', 'H100-PCIe-NVL'], notes: 'spec sheet (PCIe card; power configurable 350-400 W)' },
  { name: 'GH200-96GB', vendor: 'NVIDIA', memoryGB: 96, hbmBandwidthTBs: 4.0, denseBf16Tflops: 989, boardPowerW: 1000, gpuPowerW: 700, idlePowerW: 110, interconnect: 'NVLink-C2C', interconnectGBs: 900, fp8: true, fp4: false, aliases: ['GH200', 'GH200-480GB', 'Grace-Hopper'], notes: 'spec sheet (Grace Hopper superchip; module power 450-1000 W includes the Grace CPU and its memory)' },
];
