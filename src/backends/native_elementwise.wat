;; Fused element-wise kernels of the native backend, run in place on the TF.js wasm heap: the
;; module imports the wasm backend's own memory ("env" "memory"), so its arguments are the
;; tensors' byte offsets and nothing is copied. Built by native_elementwise_build.ts (wabt).
;;
;; Every f32x4 / f32 add, sub and mul is IEEE round-to-nearest, as each TF.js op of the chain it
;; replaces is, and the order of the operations is the chain's: the results are the same bits.
(module
  (import "env" "memory" (memory 1))

  ;; sgd(n, x, g, b, xo, bo, lr, m, wd, keep, flags): PyTorch SGD on n float32 values.
  ;;   v = g + x*wd                        (flags & 1: weight decay)
  ;;   momentum (flags & 8):
  ;;     next = b*m + v*keep               (flags & 2: a buffer exists; keep = 1 - dampening)
  ;;     next = v                          (no buffer yet: the first step)
  ;;     bo = next
  ;;     v = v + next*m  (flags & 4: Nesterov)  else  v = next
  ;;   xo = x - v*lr
  ;; Pointers are byte offsets into the memory; outputs may not alias inputs.
  (func (export "sgd")
    (param $n i32) (param $x i32) (param $g i32) (param $b i32) (param $xo i32) (param $bo i32)
    (param $lr f32) (param $m f32) (param $wd f32) (param $keep f32) (param $flags i32)
    (local $i i32) (local $end i32) (local $all i32)
    (local $xv v128) (local $v v128) (local $next v128)
    (local $lrv v128) (local $mv v128) (local $wdv v128) (local $keepv v128)
    (local $xs f32) (local $vs f32) (local $nexts f32)
    (local.set $lrv (f32x4.splat (local.get $lr)))
    (local.set $mv (f32x4.splat (local.get $m)))
    (local.set $wdv (f32x4.splat (local.get $wd)))
    (local.set $keepv (f32x4.splat (local.get $keep)))
    (local.set $all (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end (i32.and (local.get $all) (i32.const -16)))
    (local.set $i (i32.const 0))
    (block $done4
      (loop $four
        (br_if $done4 (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $xv (v128.load (i32.add (local.get $x) (local.get $i))))
        (local.set $v (v128.load (i32.add (local.get $g) (local.get $i))))
        (if (i32.and (local.get $flags) (i32.const 1))
          (then
            (local.set $v (f32x4.add (local.get $v) (f32x4.mul (local.get $xv) (local.get $wdv))))))
        (if (i32.and (local.get $flags) (i32.const 8))
          (then
            (if (i32.and (local.get $flags) (i32.const 2))
              (then
                (local.set $next
                  (f32x4.add
                    (f32x4.mul (v128.load (i32.add (local.get $b) (local.get $i))) (local.get $mv))
                    (f32x4.mul (local.get $v) (local.get $keepv)))))
              (else (local.set $next (local.get $v))))
            (v128.store (i32.add (local.get $bo) (local.get $i)) (local.get $next))
            (if (i32.and (local.get $flags) (i32.const 4))
              (then
                (local.set $v
                  (f32x4.add (local.get $v) (f32x4.mul (local.get $next) (local.get $mv)))))
              (else (local.set $v (local.get $next))))))
        (v128.store (i32.add (local.get $xo) (local.get $i))
          (f32x4.sub (local.get $xv) (f32x4.mul (local.get $v) (local.get $lrv))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $four)))
    ;; The last n mod 4 values, one at a time, the same operations.
    (block $done1
      (loop $one
        (br_if $done1 (i32.ge_u (local.get $i) (local.get $all)))
        (local.set $xs (f32.load (i32.add (local.get $x) (local.get $i))))
        (local.set $vs (f32.load (i32.add (local.get $g) (local.get $i))))
        (if (i32.and (local.get $flags) (i32.const 1))
          (then
            (local.set $vs (f32.add (local.get $vs) (f32.mul (local.get $xs) (local.get $wd))))))
        (if (i32.and (local.get $flags) (i32.const 8))
          (then
            (if (i32.and (local.get $flags) (i32.const 2))
              (then
                (local.set $nexts
                  (f32.add
                    (f32.mul (f32.load (i32.add (local.get $b) (local.get $i))) (local.get $m))
                    (f32.mul (local.get $vs) (local.get $keep)))))
              (else (local.set $nexts (local.get $vs))))
            (f32.store (i32.add (local.get $bo) (local.get $i)) (local.get $nexts))
            (if (i32.and (local.get $flags) (i32.const 4))
              (then
                (local.set $vs
                  (f32.add (local.get $vs) (f32.mul (local.get $nexts) (local.get $m)))))
              (else (local.set $vs (local.get $nexts))))))
        (f32.store (i32.add (local.get $xo) (local.get $i))
          (f32.sub (local.get $xs) (f32.mul (local.get $vs) (local.get $lr))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $one))))
;; allFinite(x, n): 0 when the n float32 values at x are all finite, else NaN (a sum of
  ;; v - v, which is +0 for a finite v and NaN for an infinite or NaN one).
  (func (export "allFinite") (param $x i32) (param $n i32) (result f32)
    (local $i i32) (local $end i32) (local $all i32) (local $acc v128) (local $v v128)
    (local $s f32) (local $e f32)
    (local.set $all (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end (i32.and (local.get $all) (i32.const -16)))
    (local.set $acc (v128.const f32x4 0 0 0 0))
    (block $done4
      (loop $four
        (br_if $done4 (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $v (v128.load (i32.add (local.get $x) (local.get $i))))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.sub (local.get $v) (local.get $v))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $four)))
    (local.set $s
      (f32.add
        (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
        (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
    (block $done1
      (loop $one
        (br_if $done1 (i32.ge_u (local.get $i) (local.get $all)))
        (local.set $e (f32.load (i32.add (local.get $x) (local.get $i))))
        (local.set $s (f32.add (local.get $s) (f32.sub (local.get $e) (local.get $e))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $one)))
    (local.get $s))
;; addRows(out, a, b, rows, cols): out[r, j] = a[r, j] + b[j], the bias add of a layer (a is
  ;; rows x cols, b is cols). Four columns at a time while four remain, then one at a time.
  (func (export "addRows")
    (param $out i32) (param $a i32) (param $b i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $j i32) (local $row i32) (local $rowEnd i32) (local $end4 i32)
    (local.set $rowEnd (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $rowEnd) (i32.const -16)))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $done4
          (loop $four
            (br_if $done4 (i32.ge_u (local.get $j) (local.get $end4)))
            (v128.store (i32.add (local.get $out) (i32.add (local.get $row) (local.get $j)))
              (f32x4.add
                (v128.load (i32.add (local.get $a) (i32.add (local.get $row) (local.get $j))))
                (v128.load (i32.add (local.get $b) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $four)))
        (block $done1
          (loop $one
            (br_if $done1 (i32.ge_u (local.get $j) (local.get $rowEnd)))
            (f32.store (i32.add (local.get $out) (i32.add (local.get $row) (local.get $j)))
              (f32.add
                (f32.load (i32.add (local.get $a) (i32.add (local.get $row) (local.get $j))))
                (f32.load (i32.add (local.get $b) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $one)))
        (local.set $row (i32.add (local.get $row) (local.get $rowEnd)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop))))

  ;; sumRows(out, a, rows, cols): out[j] = ((0 + a[0, j]) + a[1, j]) + ... + a[rows - 1, j], in
  ;; float32, rows in order: the bias gradient (a sum over every axis but the last).
  (func (export "sumRows")
    (param $out i32) (param $a i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $j i32) (local $row i32) (local $rowEnd i32) (local $end4 i32)
    (local.set $rowEnd (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $rowEnd) (i32.const -16)))
    (memory.fill (local.get $out) (i32.const 0) (local.get $rowEnd))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $done4
          (loop $four
            (br_if $done4 (i32.ge_u (local.get $j) (local.get $end4)))
            (v128.store (i32.add (local.get $out) (local.get $j))
              (f32x4.add
                (v128.load (i32.add (local.get $out) (local.get $j)))
                (v128.load (i32.add (local.get $a) (i32.add (local.get $row) (local.get $j))))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $four)))
        (block $done1
          (loop $one
            (br_if $done1 (i32.ge_u (local.get $j) (local.get $rowEnd)))
            (f32.store (i32.add (local.get $out) (local.get $j))
              (f32.add
                (f32.load (i32.add (local.get $out) (local.get $j)))
                (f32.load (i32.add (local.get $a) (i32.add (local.get $row) (local.get $j))))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $one)))
        (local.set $row (i32.add (local.get $row) (local.get $rowEnd)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop))))
;; scaleAdd(out, g, c, n, flags): one term t = g*c (flags & 1; else t = g) of a linear
  ;; combination, written as out = out + t (flags & 2), out = t + 0 (flags & 4: the first of
  ;; several terms, as the wasm AddN starts from +0), else out = t. In float32, element by element.
  (func (export "scaleAdd")
    (param $out i32) (param $g i32) (param $c f32) (param $n i32) (param $flags i32)
    (local $i i32) (local $end i32) (local $all i32) (local $t v128) (local $cv v128)
    (local $ts f32)
    (local.set $cv (f32x4.splat (local.get $c)))
    (local.set $all (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end (i32.and (local.get $all) (i32.const -16)))
    (block $done4
      (loop $four
        (br_if $done4 (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $t (v128.load (i32.add (local.get $g) (local.get $i))))
        (if (i32.and (local.get $flags) (i32.const 1))
          (then (local.set $t (f32x4.mul (local.get $t) (local.get $cv)))))
        (if (i32.and (local.get $flags) (i32.const 2))
          (then
            (local.set $t
              (f32x4.add (v128.load (i32.add (local.get $out) (local.get $i))) (local.get $t)))))
        (if (i32.and (local.get $flags) (i32.const 4))
          (then (local.set $t (f32x4.add (local.get $t) (v128.const f32x4 0 0 0 0)))))
        (v128.store (i32.add (local.get $out) (local.get $i)) (local.get $t))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $four)))
    (block $done1
      (loop $one
        (br_if $done1 (i32.ge_u (local.get $i) (local.get $all)))
        (local.set $ts (f32.load (i32.add (local.get $g) (local.get $i))))
        (if (i32.and (local.get $flags) (i32.const 1))
          (then (local.set $ts (f32.mul (local.get $ts) (local.get $c)))))
        (if (i32.and (local.get $flags) (i32.const 2))
          (then
            (local.set $ts
              (f32.add (f32.load (i32.add (local.get $out) (local.get $i))) (local.get $ts)))))
        (if (i32.and (local.get $flags) (i32.const 4))
          (then (local.set $ts (f32.add (local.get $ts) (f32.const 0)))))
        (f32.store (i32.add (local.get $out) (local.get $i)) (local.get $ts))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $one))))
;; shift(out, x, d, s, n): out = x + d*s, the perturbed weights x + scale·direction, in
  ;; float32 (the product rounded, then the sum), element by element.
  (func (export "shift")
    (param $out i32) (param $x i32) (param $d i32) (param $s f32) (param $n i32)
    (local $i i32) (local $end i32) (local $all i32) (local $sv v128)
    (local.set $sv (f32x4.splat (local.get $s)))
    (local.set $all (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end (i32.and (local.get $all) (i32.const -16)))
    (block $done4
      (loop $four
        (br_if $done4 (i32.ge_u (local.get $i) (local.get $end)))
        (v128.store (i32.add (local.get $out) (local.get $i))
          (f32x4.add (v128.load (i32.add (local.get $x) (local.get $i)))
            (f32x4.mul (v128.load (i32.add (local.get $d) (local.get $i))) (local.get $sv))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $four)))
    (block $done1
      (loop $one
        (br_if $done1 (i32.ge_u (local.get $i) (local.get $all)))
        (f32.store (i32.add (local.get $out) (local.get $i))
          (f32.add (f32.load (i32.add (local.get $x) (local.get $i)))
            (f32.mul (f32.load (i32.add (local.get $d) (local.get $i))) (local.get $s))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $one))))
;; sumSquares(x, n): Σ x_i² of n float32 values, squared and summed in double precision (four
  ;; running sums, lanes combined at the end), in one fixed order.
  (func (export "sumSquares") (param $x i32) (param $n i32) (result f64)
    (local $i i32) (local $end i32) (local $all i32) (local $v v128) (local $lo v128)
    (local $hi v128) (local $a v128) (local $b v128) (local $s f64) (local $e f64)
    (local.set $all (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end (i32.and (local.get $all) (i32.const -16)))
    (local.set $a (v128.const f64x2 0 0))
    (local.set $b (v128.const f64x2 0 0))
    (block $done4
      (loop $four
        (br_if $done4 (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $v (v128.load (i32.add (local.get $x) (local.get $i))))
        (local.set $lo (f64x2.promote_low_f32x4 (local.get $v)))
        (local.set $hi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
          (local.get $v) (local.get $v))))
        (local.set $a (f64x2.add (local.get $a) (f64x2.mul (local.get $lo) (local.get $lo))))
        (local.set $b (f64x2.add (local.get $b) (f64x2.mul (local.get $hi) (local.get $hi))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $four)))
    (local.set $a (f64x2.add (local.get $a) (local.get $b)))
    (local.set $s (f64.add (f64x2.extract_lane 0 (local.get $a)) (f64x2.extract_lane 1 (local.get $a))))
    (block $done1
      (loop $one
        (br_if $done1 (i32.ge_u (local.get $i) (local.get $all)))
        (local.set $e (f64.promote_f32 (f32.load (i32.add (local.get $x) (local.get $i)))))
        (local.set $s (f64.add (local.get $s) (f64.mul (local.get $e) (local.get $e))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $one)))
    (local.get $s))
;; reluGrad(out, dy, x, n): out = dy * step(x), the ReLU gradient, with step(x) = 1 for x > 0,
  ;; NaN for a NaN x, else 0: TF.js's Step (the wasm kernel's, NaN kept), Cast (float32 to float32,
  ;; a copy) and Multiply, in one pass. dy * 0 keeps the sign of dy (-0), as the Multiply does.
  (func (export "reluGrad") (param $out i32) (param $dy i32) (param $x i32) (param $n i32)
    (local $i i32) (local $end i32) (local $all i32) (local $xv v128) (local $s v128)
    (local $xs f32) (local $ss f32)
    (local.set $all (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end (i32.and (local.get $all) (i32.const -16)))
    (block $done4
      (loop $four
        (br_if $done4 (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $xv (v128.load (i32.add (local.get $x) (local.get $i))))
        ;; 1.0 where x > 0, else +0; then x itself (a NaN) where x is NaN.
        (local.set $s
          (v128.and (f32x4.gt (local.get $xv) (v128.const f32x4 0 0 0 0))
            (v128.const f32x4 1 1 1 1)))
        (local.set $s
          (v128.bitselect (local.get $xv) (local.get $s)
            (f32x4.ne (local.get $xv) (local.get $xv))))
        (v128.store (i32.add (local.get $out) (local.get $i))
          (f32x4.mul (v128.load (i32.add (local.get $dy) (local.get $i))) (local.get $s)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $four)))
    (block $done1
      (loop $one
        (br_if $done1 (i32.ge_u (local.get $i) (local.get $all)))
        (local.set $xs (f32.load (i32.add (local.get $x) (local.get $i))))
        (local.set $ss
          (select (f32.const 1)
            (select (local.get $xs) (f32.const 0) (f32.ne (local.get $xs) (local.get $xs)))
            (f32.gt (local.get $xs) (f32.const 0))))
        (f32.store (i32.add (local.get $out) (local.get $i))
          (f32.mul (f32.load (i32.add (local.get $dy) (local.get $i))) (local.get $ss)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $one))))
;; adam(n, x, g, m, v, xo, mo, vo, wd, b1, c1, b2, c2, corr, eps, step, flags): PyTorch Adam on n
  ;; float32 values, the op chain of src/optimizers/adam.ts in its order:
  ;;   g = g + x*wd                              (flags & 1: weight decay)
  ;;   mo = m*b1 + g*c1                          (c1 = 1 - beta1)
  ;;   vo = v*b2 + (g*g)*c2                      (c2 = 1 - beta2)
  ;;   xo = x - (mo / (sqrt(vo)/corr + eps))*step
  ;; Outputs may not alias inputs.
  (func (export "adam")
    (param $n i32) (param $x i32) (param $g i32) (param $m i32) (param $v i32)
    (param $xo i32) (param $mo i32) (param $vo i32)
    (param $wd f32) (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32)
    (param $corr f32) (param $eps f32) (param $step f32) (param $flags i32)
    (local $i i32) (local $end i32) (local $all i32)
    (local $xv v128) (local $gv v128) (local $mv v128) (local $vv v128)
    (local $xs f32) (local $gs f32) (local $ms f32) (local $vs f32)
    (local.set $all (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end (i32.and (local.get $all) (i32.const -16)))
    (block $done4
      (loop $four
        (br_if $done4 (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $xv (v128.load (i32.add (local.get $x) (local.get $i))))
        (local.set $gv (v128.load (i32.add (local.get $g) (local.get $i))))
        (if (i32.and (local.get $flags) (i32.const 1))
          (then
            (local.set $gv
              (f32x4.add (local.get $gv) (f32x4.mul (local.get $xv) (f32x4.splat (local.get $wd)))))))
        (local.set $mv
          (f32x4.add
            (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $i))) (f32x4.splat (local.get $b1)))
            (f32x4.mul (local.get $gv) (f32x4.splat (local.get $c1)))))
        (local.set $vv
          (f32x4.add
            (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $i))) (f32x4.splat (local.get $b2)))
            (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (f32x4.splat (local.get $c2)))))
        (v128.store (i32.add (local.get $mo) (local.get $i)) (local.get $mv))
        (v128.store (i32.add (local.get $vo) (local.get $i)) (local.get $vv))
        (v128.store (i32.add (local.get $xo) (local.get $i))
          (f32x4.sub (local.get $xv)
            (f32x4.mul
              (f32x4.div (local.get $mv)
                (f32x4.add (f32x4.div (f32x4.sqrt (local.get $vv)) (f32x4.splat (local.get $corr)))
                  (f32x4.splat (local.get $eps))))
              (f32x4.splat (local.get $step)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $four)))
    (block $done1
      (loop $one
        (br_if $done1 (i32.ge_u (local.get $i) (local.get $all)))
        (local.set $xs (f32.load (i32.add (local.get $x) (local.get $i))))
        (local.set $gs (f32.load (i32.add (local.get $g) (local.get $i))))
        (if (i32.and (local.get $flags) (i32.const 1))
          (then (local.set $gs (f32.add (local.get $gs) (f32.mul (local.get $xs) (local.get $wd))))))
        (local.set $ms
          (f32.add (f32.mul (f32.load (i32.add (local.get $m) (local.get $i))) (local.get $b1))
            (f32.mul (local.get $gs) (local.get $c1))))
        (local.set $vs
          (f32.add (f32.mul (f32.load (i32.add (local.get $v) (local.get $i))) (local.get $b2))
            (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $c2))))
        (f32.store (i32.add (local.get $mo) (local.get $i)) (local.get $ms))
        (f32.store (i32.add (local.get $vo) (local.get $i)) (local.get $vs))
        (f32.store (i32.add (local.get $xo) (local.get $i))
          (f32.sub (local.get $xs)
            (f32.mul
              (f32.div (local.get $ms)
                (f32.add (f32.div (f32.sqrt (local.get $vs)) (local.get $corr)) (local.get $eps)))
              (local.get $step))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $one))))
;; relu(out, x, n): out = max(x, 0) as the wasm backend's Relu computes it, an integer max of
  ;; the bits with 0: +0 for -0 and for every negative number and NaN with the sign bit set, x
  ;; itself for a positive number, +0, +inf and a NaN without the sign bit.
  (func (export "relu") (param $out i32) (param $x i32) (param $n i32)
    (local $i i32) (local $end i32) (local $all i32)
    (local.set $all (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end (i32.and (local.get $all) (i32.const -16)))
    (block $done4
      (loop $four
        (br_if $done4 (i32.ge_u (local.get $i) (local.get $end)))
        (v128.store (i32.add (local.get $out) (local.get $i))
          (i32x4.max_s (v128.load (i32.add (local.get $x) (local.get $i)))
            (v128.const i32x4 0 0 0 0)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $four)))
    (block $done1
      (loop $one
        (br_if $done1 (i32.ge_u (local.get $i) (local.get $all)))
        (i32.store (i32.add (local.get $out) (local.get $i))
          (select (i32.load (i32.add (local.get $x) (local.get $i))) (i32.const 0)
            (i32.gt_s (i32.load (i32.add (local.get $x) (local.get $i))) (i32.const 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $one))))
)
