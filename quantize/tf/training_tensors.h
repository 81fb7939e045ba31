// Which tensors of a TF1 BERT NER checkpoint a converter skips: state of
// training that inference never reads. The converter decides what it
// needs; this names the rest so that it can report (or --inspect users can
// see) why a tensor was not used.
#ifndef EDGEBERT_QUANTIZE_TF_TRAINING_TENSORS_H_
#define EDGEBERT_QUANTIZE_TF_TRAINING_TENSORS_H_

#include <string_view>

namespace edgebert::tf {

// nullptr for a tensor inference may use; otherwise why it is skipped:
//   "optimizer slot"   */adam_m, */adam_v, */Adam, */Adam_1, */Momentum,
//                      */Adagrad, */RMSProp, */RMSProp_1, */Ftrl, */Ftrl_1,
//                      beta1_power, beta2_power
//   "moving average"   */ExponentialMovingAverage
//   "training step"    global_step
//   "pretraining head" cls/* (masked LM and next-sentence heads)
//   "pooler"           bert/pooler/*
//   "loss scaling"     */loss_scale, */good_steps (mixed precision)
const char* TrainingOnlyReason(std::string_view name);

}  // namespace edgebert::tf

#endif  // EDGEBERT_QUANTIZE_TF_TRAINING_TENSORS_H_
