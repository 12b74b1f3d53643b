/** Hyper-parameters of the training loop, shared by the secure and plaintext implementations. */
export interface HyperParams {
  epochs: number;
  batchSize: number;
  /** Step size on the batch-mean gradient (w ← w − lr·mean ∇loss). */
  lr: number;
  /** PyTorch-style momentum: v ← μ·v + g, w ← w − lr·v (0 = plain SGD). */
  momentum: number;
  /** Weight of positive rows in the loss (PyTorch BCEWithLogitsLoss pos_weight); 1 = unweighted. */
  positiveWeight: number;
  /** Seed of the public batch order and of the MLP initialization. */
  seed: number;
}
