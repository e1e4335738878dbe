;; Fused optimiser kernels for @proj/runtime's host-side parameter updates, in WebAssembly SIMD (f32x4).
;; One pass over each parameter segment, float32 arithmetic in the same order as torch.optim, so results match
;; PyTorch's CPU optimisers to float32 rounding. All pointers are byte offsets into the exported memory.
;; Build: packages/runtime/scripts/build-wasm.sh (wat2wasm from Debian's wabt) -> optim-wasm.ts.
(module
  (memory (export "memory") 1)

  ;; AdamW (decoupled weight decay): p = p * keep - step * m / (sqrt(v) / sqrtBc2 + eps),
  ;; m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2, g = grad * gs, keep = 1 - lr * wd, step = lr / bc1.
  ;; Adam with coupled (L2) decay is the same with keep = 1 and g += wd * p (wd > 0 only then).
  (func (export "adam")
    (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
    (param $b1 f32) (param $b2 f32) (param $eps f32) (param $step f32) (param $sqrtBc2 f32)
    (param $keep f32) (param $gs f32) (param $l2 f32)
    (local $i i32) (local $end i32) (local $vend i32)
    (local $gv v128) (local $mv v128) (local $vv v128) (local $pv v128)
    (local $gx f32) (local $mx f32) (local $vx f32) (local $px f32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vend (i32.and (local.get $end) (i32.const -16)))
    (local.set $i (i32.const 0))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $i) (local.get $vend)))
        (local.set $pv (v128.load (i32.add (local.get $p) (local.get $i))))
        (local.set $gv (f32x4.mul (v128.load (i32.add (local.get $g) (local.get $i))) (f32x4.splat (local.get $gs))))
        (local.set $gv (f32x4.add (local.get $gv) (f32x4.mul (local.get $pv) (f32x4.splat (local.get $l2)))))
        (local.set $mv
          (f32x4.add
            (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $i))) (f32x4.splat (local.get $b1)))
            (f32x4.mul (local.get $gv) (f32x4.splat (f32.sub (f32.const 1) (local.get $b1))))))
        (local.set $vv
          (f32x4.add
            (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $i))) (f32x4.splat (local.get $b2)))
            (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (f32x4.splat (f32.sub (f32.const 1) (local.get $b2))))))
        (v128.store (i32.add (local.get $m) (local.get $i)) (local.get $mv))
        (v128.store (i32.add (local.get $v) (local.get $i)) (local.get $vv))
        (v128.store (i32.add (local.get $p) (local.get $i))
          (f32x4.sub
            (f32x4.mul (local.get $pv) (f32x4.splat (local.get $keep)))
            (f32x4.div
              (f32x4.mul (local.get $mv) (f32x4.splat (local.get $step)))
              (f32x4.add
                (f32x4.div (f32x4.sqrt (local.get $vv)) (f32x4.splat (local.get $sqrtBc2)))
                (f32x4.splat (local.get $eps))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vec)))
    (block $tdone
      (loop $tail
        (br_if $tdone (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $px (f32.load (i32.add (local.get $p) (local.get $i))))
        (local.set $gx (f32.add (f32.mul (f32.load (i32.add (local.get $g) (local.get $i))) (local.get $gs))
                                (f32.mul (local.get $px) (local.get $l2))))
        (local.set $mx (f32.add (f32.mul (f32.load (i32.add (local.get $m) (local.get $i))) (local.get $b1))
                                (f32.mul (local.get $gx) (f32.sub (f32.const 1) (local.get $b1)))))
        (local.set $vx (f32.add (f32.mul (f32.load (i32.add (local.get $v) (local.get $i))) (local.get $b2))
                                (f32.mul (f32.mul (local.get $gx) (local.get $gx)) (f32.sub (f32.const 1) (local.get $b2)))))
        (f32.store (i32.add (local.get $m) (local.get $i)) (local.get $mx))
        (f32.store (i32.add (local.get $v) (local.get $i)) (local.get $vx))
        (f32.store (i32.add (local.get $p) (local.get $i))
          (f32.sub (f32.mul (local.get $px) (local.get $keep))
                   (f32.div (f32.mul (local.get $mx) (local.get $step))
                            (f32.add (f32.div (f32.sqrt (local.get $vx)) (local.get $sqrtBc2)) (local.get $eps)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tail))))

  ;; SGD with optional momentum / Nesterov and coupled weight decay (torch.optim.SGD):
  ;; d = grad * gs + wd * p; buf = first ? d : mu * buf + d; p -= lr * (nesterov ? d + mu * buf : buf).
  ;; mu = 0 skips the buffer (pass any pointer for $buf).
  (func (export "sgd")
    (param $p i32) (param $g i32) (param $buf i32) (param $n i32)
    (param $lr f32) (param $mu f32) (param $wd f32) (param $gs f32) (param $first i32) (param $nesterov i32)
    (local $i i32) (local $end i32) (local $d f32) (local $b f32) (local $px f32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $px (f32.load (i32.add (local.get $p) (local.get $i))))
        (local.set $d (f32.add (f32.mul (f32.load (i32.add (local.get $g) (local.get $i))) (local.get $gs))
                               (f32.mul (local.get $wd) (local.get $px))))
        (if (f32.eq (local.get $mu) (f32.const 0))
          (then (f32.store (i32.add (local.get $p) (local.get $i))
                  (f32.sub (local.get $px) (f32.mul (local.get $lr) (local.get $d)))))
          (else
            (local.set $b (select (local.get $d)
                            (f32.add (f32.mul (local.get $mu) (f32.load (i32.add (local.get $buf) (local.get $i)))) (local.get $d))
                            (local.get $first)))
            (f32.store (i32.add (local.get $buf) (local.get $i)) (local.get $b))
            (f32.store (i32.add (local.get $p) (local.get $i))
              (f32.sub (local.get $px)
                (f32.mul (local.get $lr)
                  (select (f32.add (local.get $d) (f32.mul (local.get $mu) (local.get $b))) (local.get $b) (local.get $nesterov)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $l))))

  ;; Sum of squares of n float32 values, accumulated in float64 (two f64x2 lanes per f32x4 vector).
  (func (export "sumsq") (param $x i32) (param $n i32) (result f64)
    (local $i i32) (local $end i32) (local $vend i32) (local $acc v128) (local $v v128) (local $t f64)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vend (i32.and (local.get $end) (i32.const -16)))
    (local.set $acc (f64x2.splat (f64.const 0)))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $i) (local.get $vend)))
        (local.set $v (v128.load (i32.add (local.get $x) (local.get $i))))
        (local.set $acc (f64x2.add (local.get $acc)
          (f64x2.add
            (f64x2.mul (f64x2.promote_low_f32x4 (local.get $v)) (f64x2.promote_low_f32x4 (local.get $v)))
            (f64x2.mul
              (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))
              (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vec)))
    (local.set $t (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc))))
    (block $tdone
      (loop $tail
        (br_if $tdone (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $t (f64.add (local.get $t)
          (f64.mul (f64.promote_f32 (f32.load (i32.add (local.get $x) (local.get $i))))
                   (f64.promote_f32 (f32.load (i32.add (local.get $x) (local.get $i)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tail)))
    (local.get $t))

  ;; acc += x over n float32 values (gradient accumulation).
  (func (export "accumulate") (param $acc i32) (param $x i32) (param $n i32)
    (local $i i32) (local $end i32) (local $vend i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vend (i32.and (local.get $end) (i32.const -16)))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $i) (local.get $vend)))
        (v128.store (i32.add (local.get $acc) (local.get $i))
          (f32x4.add (v128.load (i32.add (local.get $acc) (local.get $i))) (v128.load (i32.add (local.get $x) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vec)))
    (block $tdone
      (loop $tail
        (br_if $tdone (i32.ge_u (local.get $i) (local.get $end)))
        (f32.store (i32.add (local.get $acc) (local.get $i))
          (f32.add (f32.load (i32.add (local.get $acc) (local.get $i))) (f32.load (i32.add (local.get $x) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tail))))
)
