;; The host fill of src/math/philox.ts (philoxFillKeyed) as a WebAssembly module, bit for bit:
;; Philox4x32-10 with i64 products, the "uniform" transform, and the "gaussian" transform with
;; Giles' erfinv evaluated in double precision exactly as the JavaScript does it (same operations
;; in the same order, no fused multiply-add: WebAssembly arithmetic is IEEE 754, correctly
;; rounded), with the logarithm being fdlibm's __ieee754_log (the one V8's Math.log uses),
;; restricted to the arguments the transform gives it (normal, in (2^-24, 1)).
;; The Gaussian runs four (or two) values at a time with f64x2 SIMD ($gaussianQuad, $gaussianPair)
;; and one at a time ($gaussian) for the rare inputs. philox_fill_test.ts compares each path with
;; the JavaScript on all 2^24 Gaussian inputs.
;; Build: deno task build:philox-wasm (wabt's wat2wasm, pinned in deno.json) writes
;; philox_fill_wasm.ts; the test checks that the committed bytes are this file's build.
(module
  (memory (export "memory") 1)

  ;; fdlibm's log for 2^-1022 <= y < 2^1024 (no zero, negative, subnormal or non-finite y).
  (func $log (param $y f64) (result f64)
    (local $bits i64) (local $hx i32) (local $k i32) (local $i i32) (local $j i32)
    (local $x f64) (local $f f64) (local $s f64) (local $z f64) (local $w f64)
    (local $r f64) (local $dk f64) (local $hfsq f64)
    (local.set $bits (i64.reinterpret_f64 (local.get $y)))
    (local.set $hx (i32.wrap_i64 (i64.shr_u (local.get $bits) (i64.const 32))))
    (local.set $k (i32.sub (i32.shr_s (local.get $hx) (i32.const 20)) (i32.const 1023)))
    (local.set $hx (i32.and (local.get $hx) (i32.const 0x000fffff)))
    (local.set $i (i32.and (i32.add (local.get $hx) (i32.const 0x95f64)) (i32.const 0x100000)))
    ;; normalize x or x/2: the high word becomes hx | (i ^ 0x3ff00000)
    (local.set $x (f64.reinterpret_i64 (i64.or
      (i64.shl
        (i64.extend_i32_u (i32.or (local.get $hx) (i32.xor (local.get $i) (i32.const 0x3ff00000))))
        (i64.const 32))
      (i64.and (local.get $bits) (i64.const 0xffffffff)))))
    (local.set $k (i32.add (local.get $k) (i32.shr_s (local.get $i) (i32.const 20))))
    (local.set $f (f64.sub (local.get $x) (f64.const 1.0)))
    (local.set $dk (f64.convert_i32_s (local.get $k)))
    (if (i32.lt_s (i32.and (i32.const 0x000fffff) (i32.add (i32.const 2) (local.get $hx)))
                  (i32.const 3))
      (then
        ;; |f| < 2^-20
        (if (f64.eq (local.get $f) (f64.const 0))
          (then
            (if (i32.eqz (local.get $k)) (then (return (f64.const 0))))
            (return (f64.add (f64.mul (local.get $dk) (f64.const 6.93147180369123816490e-01))
                             (f64.mul (local.get $dk) (f64.const 1.90821492927058770002e-10))))))
        (local.set $r (f64.mul (f64.mul (local.get $f) (local.get $f))
          (f64.sub (f64.const 0.5) (f64.mul (f64.const 0.33333333333333333) (local.get $f)))))
        (if (i32.eqz (local.get $k)) (then (return (f64.sub (local.get $f) (local.get $r)))))
        (return (f64.sub (f64.mul (local.get $dk) (f64.const 6.93147180369123816490e-01))
          (f64.sub (f64.sub (local.get $r)
                            (f64.mul (local.get $dk) (f64.const 1.90821492927058770002e-10)))
                   (local.get $f))))))
    (local.set $s (f64.div (local.get $f) (f64.add (f64.const 2.0) (local.get $f))))
    (local.set $z (f64.mul (local.get $s) (local.get $s)))
    (local.set $i (i32.sub (local.get $hx) (i32.const 0x6147a)))
    (local.set $w (f64.mul (local.get $z) (local.get $z)))
    (local.set $j (i32.sub (i32.const 0x6b851) (local.get $hx)))
    ;; R = t2 + t1, t1 = w(Lg2 + w(Lg4 + w Lg6)), t2 = z(Lg1 + w(Lg3 + w(Lg5 + w Lg7)))
    (local.set $r (f64.add
      (f64.mul (local.get $z)
        (f64.add (f64.const 6.666666666666735130e-01)
          (f64.mul (local.get $w)
            (f64.add (f64.const 2.857142874366239149e-01)
              (f64.mul (local.get $w)
                (f64.add (f64.const 1.818357216161805012e-01)
                  (f64.mul (local.get $w) (f64.const 1.479819860511658591e-01))))))))
      (f64.mul (local.get $w)
        (f64.add (f64.const 3.999999999940941908e-01)
          (f64.mul (local.get $w)
            (f64.add (f64.const 2.222219843214978396e-01)
              (f64.mul (local.get $w) (f64.const 1.531383769920937332e-01))))))))
    (if (i32.gt_s (i32.or (local.get $i) (local.get $j)) (i32.const 0))
      (then
        (local.set $hfsq (f64.mul (f64.mul (f64.const 0.5) (local.get $f)) (local.get $f)))
        (if (i32.eqz (local.get $k))
          (then (return (f64.sub (local.get $f) (f64.sub (local.get $hfsq)
            (f64.mul (local.get $s) (f64.add (local.get $hfsq) (local.get $r))))))))
        (return (f64.sub (f64.mul (local.get $dk) (f64.const 6.93147180369123816490e-01))
          (f64.sub
            (f64.sub (local.get $hfsq)
              (f64.add (f64.mul (local.get $s) (f64.add (local.get $hfsq) (local.get $r)))
                       (f64.mul (local.get $dk) (f64.const 1.90821492927058770002e-10))))
            (local.get $f))))))
    (if (i32.eqz (local.get $k))
      (then (return (f64.sub (local.get $f)
        (f64.mul (local.get $s) (f64.sub (local.get $f) (local.get $r)))))))
    (f64.sub (f64.mul (local.get $dk) (f64.const 6.93147180369123816490e-01))
      (f64.sub
        (f64.sub (f64.mul (local.get $s) (f64.sub (local.get $f) (local.get $r)))
                 (f64.mul (local.get $dk) (f64.const 1.90821492927058770002e-10)))
        (local.get $f))))

  ;; gaussianOfWord: sqrt(2) erfinvGiles(x), x = (2m + 1 - 2^24) / 2^24, m = word >>> 8.
  (func $gaussian (export "gaussian") (param $word i32) (result f32)
    (local $x f64) (local $w f64) (local $p f64)
    (local.set $x (f64.mul
      (f64.convert_i32_s (i32.sub
        (i32.add (i32.shl (i32.shr_u (local.get $word) (i32.const 8)) (i32.const 1)) (i32.const 1))
        (i32.const 16777216)))
      (f64.const 0x1p-24)))
    ;; w = -ln((1 - x)(1 + x)); the product is exact (two 25-bit significands)
    (local.set $w (f64.neg (call $log (f64.mul (f64.sub (f64.const 1) (local.get $x))
                                              (f64.add (f64.const 1) (local.get $x))))))
    (if (f64.lt (local.get $w) (f64.const 5))
      (then
        (local.set $w (f64.sub (local.get $w) (f64.const 2.5)))
        ;; GILES_CENTRAL, Horner: p = c[k] + p w
        (local.set $p (f64.const 2.81022636e-08))
        (local.set $p (f64.add (f64.const 3.43273939e-07) (f64.mul (local.get $p) (local.get $w))))
        (local.set $p (f64.add (f64.const -3.5233877e-06) (f64.mul (local.get $p) (local.get $w))))
        (local.set $p (f64.add (f64.const -4.39150654e-06) (f64.mul (local.get $p) (local.get $w))))
        (local.set $p (f64.add (f64.const 0.00021858087) (f64.mul (local.get $p) (local.get $w))))
        (local.set $p (f64.add (f64.const -0.00125372503) (f64.mul (local.get $p) (local.get $w))))
        (local.set $p (f64.add (f64.const -0.00417768164) (f64.mul (local.get $p) (local.get $w))))
        (local.set $p (f64.add (f64.const 0.246640727) (f64.mul (local.get $p) (local.get $w))))
        (local.set $p (f64.add (f64.const 1.50140941) (f64.mul (local.get $p) (local.get $w)))))
      (else
        (local.set $w (f64.sub (f64.sqrt (local.get $w)) (f64.const 3)))
        ;; GILES_TAIL
        (local.set $p (f64.const -0.000200214257))
        (local.set $p (f64.add (f64.const 0.000100950558) (f64.mul (local.get $p) (local.get $w))))
        (local.set $p (f64.add (f64.const 0.00134934322) (f64.mul (local.get $p) (local.get $w))))
        (local.set $p (f64.add (f64.const -0.00367342844) (f64.mul (local.get $p) (local.get $w))))
        (local.set $p (f64.add (f64.const 0.00573950773) (f64.mul (local.get $p) (local.get $w))))
        (local.set $p (f64.add (f64.const -0.0076224613) (f64.mul (local.get $p) (local.get $w))))
        (local.set $p (f64.add (f64.const 0.00943887047) (f64.mul (local.get $p) (local.get $w))))
        (local.set $p (f64.add (f64.const 1.00167406) (f64.mul (local.get $p) (local.get $w))))
        (local.set $p (f64.add (f64.const 2.83297682) (f64.mul (local.get $p) (local.get $w))))))
    ;; Math.SQRT2 * (p * x), rounded to float32
    (f32.demote_f64 (f64.mul (f64.const 1.4142135623730951)
                             (f64.mul (local.get $p) (local.get $x)))))

  ;; Two Gaussians at once (f64x2): words w0 and w1 to float32 at ptr and ptr + 4. The same
  ;; operations as $gaussian lane by lane, with two differences that change no bit: $log's k = 0
  ;; formulas are its general ones at dk = 0 (0 * c = 0, v + 0 = v, 0 - (a - f) = f - a exactly
  ;; in round-to-nearest; only the sign of a zero could differ, and ln y != 0 for y < 1), and its
  ;; two final formulas are both evaluated and one selected per lane. A pair with a rare lane (the
  ;; erfinv tail, w >= 5, or |f| < 2^-20 in the logarithm) is done by $gaussian instead.
  (func $gaussianPair (param $ptr i32) (param $w0 i32) (param $w1 i32)
    (local $t v128) (local $x v128) (local $bits v128) (local $hx v128) (local $k v128)
    (local $i v128) (local $xn v128) (local $f v128) (local $dk v128) (local $s v128)
    (local $z v128) (local $w v128) (local $r v128) (local $hfsq v128) (local $a v128)
    (local $b v128) (local $p v128)
    ;; t = 2m + 1 - 2^24 (lanes 0 and 1), x = t / 2^24
    (local.set $t (i32x4.replace_lane 1 (i32x4.splat (local.get $w0)) (local.get $w1)))
    (local.set $t (i32x4.sub
      (i32x4.add (i32x4.shl (i32x4.shr_u (local.get $t) (i32.const 8)) (i32.const 1))
                 (i32x4.splat (i32.const 1)))
      (i32x4.splat (i32.const 16777216))))
    (local.set $x (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $t))
                             (f64x2.splat (f64.const 0x1p-24))))
    ;; the logarithm's argument y = (1 - x)(1 + x), and its reduction as in $log
    (local.set $bits (f64x2.mul (f64x2.sub (f64x2.splat (f64.const 1)) (local.get $x))
                                (f64x2.add (f64x2.splat (f64.const 1)) (local.get $x))))
    (local.set $hx (i64x2.shr_u (local.get $bits) (i32.const 32)))
    (local.set $k (i64x2.sub (i64x2.shr_u (local.get $hx) (i32.const 20))
                             (i64x2.splat (i64.const 1023))))
    (local.set $hx (v128.and (local.get $hx) (i64x2.splat (i64.const 0x000fffff))))
    ;; the rare branch |f| < 2^-20: (0xfffff & (2 + hx)) < 3 in some lane
    (if (v128.any_true (i64x2.lt_s
          (v128.and (i64x2.add (local.get $hx) (i64x2.splat (i64.const 2)))
                    (i64x2.splat (i64.const 0x000fffff)))
          (i64x2.splat (i64.const 3))))
      (then
        (f32.store offset=0 (local.get $ptr) (call $gaussian (local.get $w0)))
        (f32.store offset=4 (local.get $ptr) (call $gaussian (local.get $w1)))
        (return)))
    (local.set $i (v128.and (i64x2.add (local.get $hx) (i64x2.splat (i64.const 0x95f64)))
                            (i64x2.splat (i64.const 0x100000))))
    (local.set $xn (v128.or
      (i64x2.shl (v128.or (local.get $hx)
                          (v128.xor (local.get $i) (i64x2.splat (i64.const 0x3ff00000))))
                 (i32.const 32))
      (v128.and (local.get $bits) (i64x2.splat (i64.const 0xffffffff)))))
    (local.set $k (i64x2.add (local.get $k) (i64x2.shr_u (local.get $i) (i32.const 20))))
    (local.set $f (f64x2.sub (local.get $xn) (f64x2.splat (f64.const 1.0))))
    ;; dk: the low words of the two i64 lanes, converted
    (local.set $dk (f64x2.convert_low_i32x4_s
      (i8x16.shuffle 0 1 2 3 8 9 10 11 0 1 2 3 8 9 10 11 (local.get $k) (local.get $k))))
    (local.set $s (f64x2.div (local.get $f) (f64x2.add (f64x2.splat (f64.const 2.0))
      (local.get $f))))
    (local.set $z (f64x2.mul (local.get $s) (local.get $s)))
    (local.set $w (f64x2.mul (local.get $z) (local.get $z)))
    (local.set $r (f64x2.add
      (f64x2.mul (local.get $z)
        (f64x2.add (f64x2.splat (f64.const 6.666666666666735130e-01))
          (f64x2.mul (local.get $w)
            (f64x2.add (f64x2.splat (f64.const 2.857142874366239149e-01))
              (f64x2.mul (local.get $w)
                (f64x2.add (f64x2.splat (f64.const 1.818357216161805012e-01))
                  (f64x2.mul (local.get $w) (f64x2.splat
                    (f64.const 1.479819860511658591e-01)))))))))
      (f64x2.mul (local.get $w)
        (f64x2.add (f64x2.splat (f64.const 3.999999999940941908e-01))
          (f64x2.mul (local.get $w)
            (f64x2.add (f64x2.splat (f64.const 2.222219843214978396e-01))
              (f64x2.mul (local.get $w) (f64x2.splat (f64.const 1.531383769920937332e-01)))))))))
    ;; (i > 0) formula: dk ln2_hi - ((hfsq - (s (hfsq + R) + dk ln2_lo)) - f)
    (local.set $hfsq (f64x2.mul (f64x2.mul (f64x2.splat (f64.const 0.5)) (local.get $f))
                                (local.get $f)))
    (local.set $a (f64x2.sub
      (f64x2.mul (local.get $dk) (f64x2.splat (f64.const 6.93147180369123816490e-01)))
      (f64x2.sub
        (f64x2.sub (local.get $hfsq)
          (f64x2.add (f64x2.mul (local.get $s) (f64x2.add (local.get $hfsq) (local.get $r)))
                     (f64x2.mul (local.get $dk) (f64x2.splat
                       (f64.const 1.90821492927058770002e-10)))))
        (local.get $f))))
    ;; else: dk ln2_hi - ((s (f - R) - dk ln2_lo) - f)
    (local.set $b (f64x2.sub
      (f64x2.mul (local.get $dk) (f64x2.splat (f64.const 6.93147180369123816490e-01)))
      (f64x2.sub
        (f64x2.sub (f64x2.mul (local.get $s) (f64x2.sub (local.get $f) (local.get $r)))
                   (f64x2.mul (local.get $dk) (f64x2.splat (f64.const 1.90821492927058770002e-10))))
        (local.get $f))))
    ;; select on (hx - 0x6147a) | (0x6b851 - hx) > 0; then w = -ln y
    (local.set $w (f64x2.neg (v128.bitselect (local.get $a) (local.get $b)
      (i64x2.gt_s
        (v128.or (i64x2.sub (local.get $hx) (i64x2.splat (i64.const 0x6147a)))
                 (i64x2.sub (i64x2.splat (i64.const 0x6b851)) (local.get $hx)))
        (i64x2.splat (i64.const 0))))))
    ;; the erfinv tail (w >= 5) in some lane: the scalar path
    (if (i32.eqz (i64x2.all_true (f64x2.lt (local.get $w) (f64x2.splat (f64.const 5)))))
      (then
        (f32.store offset=0 (local.get $ptr) (call $gaussian (local.get $w0)))
        (f32.store offset=4 (local.get $ptr) (call $gaussian (local.get $w1)))
        (return)))
    (local.set $w (f64x2.sub (local.get $w) (f64x2.splat (f64.const 2.5))))
    (local.set $p (f64x2.splat (f64.const 2.81022636e-08)))
    (local.set $p (f64x2.add (f64x2.splat (f64.const 3.43273939e-07)) (f64x2.mul (local.get $p)
      (local.get $w))))
    (local.set $p (f64x2.add (f64x2.splat (f64.const -3.5233877e-06)) (f64x2.mul (local.get $p)
      (local.get $w))))
    (local.set $p (f64x2.add (f64x2.splat (f64.const -4.39150654e-06)) (f64x2.mul (local.get $p)
      (local.get $w))))
    (local.set $p (f64x2.add (f64x2.splat (f64.const 0.00021858087)) (f64x2.mul (local.get $p)
      (local.get $w))))
    (local.set $p (f64x2.add (f64x2.splat (f64.const -0.00125372503)) (f64x2.mul (local.get $p)
      (local.get $w))))
    (local.set $p (f64x2.add (f64x2.splat (f64.const -0.00417768164)) (f64x2.mul (local.get $p)
      (local.get $w))))
    (local.set $p (f64x2.add (f64x2.splat (f64.const 0.246640727)) (f64x2.mul (local.get $p)
      (local.get $w))))
    (local.set $p (f64x2.add (f64x2.splat (f64.const 1.50140941)) (f64x2.mul (local.get $p)
      (local.get $w))))
    (local.set $p (f64x2.mul (f64x2.splat (f64.const 1.4142135623730951))
                             (f64x2.mul (local.get $p) (local.get $x))))
    (v128.store64_lane offset=0 0 (local.get $ptr) (f32x4.demote_f64x2_zero (local.get $p))))

  ;; Four Gaussians at once (what the fill uses): $gaussianPair's statements written twice, on
  ;; two independent pairs, interleaved statement by statement (locals _a: words w0, w1 to ptr,
  ;; ptr + 4; _b: w2, w3 to ptr + 8, ptr + 12), so that the two dependency chains overlap (a
  ;; quarter less time than two pair calls here). A quad with a rare lane goes to $gaussianPair
  ;; pair by pair. A change to $gaussianPair must be made here twice: the tests compare both,
  ;; and the scalar path, with the JavaScript on all 2^24 inputs.
  (func $gaussianQuad (param $ptr i32) (param $w0 i32) (param $w1 i32) (param $w2 i32)
        (param $w3 i32)
    (local $t_a v128) (local $x_a v128) (local $bits_a v128) (local $hx_a v128) (local $k_a v128)
      (local $i_a v128) (local $xn_a v128) (local $f_a v128) (local $dk_a v128)
    (local $s_a v128) (local $z_a v128) (local $w_a v128) (local $r_a v128) (local $hfsq_a v128)
      (local $a_a v128) (local $b_a v128) (local $p_a v128)
    (local $t_b v128) (local $x_b v128) (local $bits_b v128) (local $hx_b v128) (local $k_b v128)
      (local $i_b v128) (local $xn_b v128) (local $f_b v128) (local $dk_b v128)
    (local $s_b v128) (local $z_b v128) (local $w_b v128) (local $r_b v128) (local $hfsq_b v128)
      (local $a_b v128) (local $b_b v128) (local $p_b v128)
    (local.set $t_a (i32x4.replace_lane 1 (i32x4.splat (local.get $w0)) (local.get $w1)))
    (local.set $t_b (i32x4.replace_lane 1 (i32x4.splat (local.get $w2)) (local.get $w3)))
    (local.set $t_a (i32x4.sub
          (i32x4.add (i32x4.shl (i32x4.shr_u (local.get $t_a) (i32.const 8)) (i32.const 1))
                     (i32x4.splat (i32.const 1)))
          (i32x4.splat (i32.const 16777216))))
    (local.set $t_b (i32x4.sub
          (i32x4.add (i32x4.shl (i32x4.shr_u (local.get $t_b) (i32.const 8)) (i32.const 1))
                     (i32x4.splat (i32.const 1)))
          (i32x4.splat (i32.const 16777216))))
    (local.set $x_a (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $t_a))
                                 (f64x2.splat (f64.const 0x1p-24))))
    (local.set $x_b (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $t_b))
                                 (f64x2.splat (f64.const 0x1p-24))))
    (local.set $bits_a (f64x2.mul (f64x2.sub (f64x2.splat (f64.const 1)) (local.get $x_a))
                                    (f64x2.add (f64x2.splat (f64.const 1)) (local.get $x_a))))
    (local.set $bits_b (f64x2.mul (f64x2.sub (f64x2.splat (f64.const 1)) (local.get $x_b))
                                    (f64x2.add (f64x2.splat (f64.const 1)) (local.get $x_b))))
    (local.set $hx_a (i64x2.shr_u (local.get $bits_a) (i32.const 32)))
    (local.set $hx_b (i64x2.shr_u (local.get $bits_b) (i32.const 32)))
    (local.set $k_a (i64x2.sub (i64x2.shr_u (local.get $hx_a) (i32.const 20))
                                 (i64x2.splat (i64.const 1023))))
    (local.set $k_b (i64x2.sub (i64x2.shr_u (local.get $hx_b) (i32.const 20))
                                 (i64x2.splat (i64.const 1023))))
    (local.set $hx_a (v128.and (local.get $hx_a) (i64x2.splat (i64.const 0x000fffff))))
    (local.set $hx_b (v128.and (local.get $hx_b) (i64x2.splat (i64.const 0x000fffff))))
    (if (i32.or (v128.any_true (i64x2.lt_s
              (v128.and (i64x2.add (local.get $hx_a) (i64x2.splat (i64.const 2)))
                        (i64x2.splat (i64.const 0x000fffff)))
              (i64x2.splat (i64.const 3))))
            (v128.any_true (i64x2.lt_s
              (v128.and (i64x2.add (local.get $hx_b) (i64x2.splat (i64.const 2)))
                        (i64x2.splat (i64.const 0x000fffff)))
              (i64x2.splat (i64.const 3)))))
      (then
        (call $gaussianPair (local.get $ptr) (local.get $w0) (local.get $w1))
        (call $gaussianPair (i32.add (local.get $ptr) (i32.const 8)) (local.get $w2)
          (local.get $w3))
        (return)))
    (local.set $i_a (v128.and (i64x2.add (local.get $hx_a) (i64x2.splat (i64.const 0x95f64)))
                                (i64x2.splat (i64.const 0x100000))))
    (local.set $i_b (v128.and (i64x2.add (local.get $hx_b) (i64x2.splat (i64.const 0x95f64)))
                                (i64x2.splat (i64.const 0x100000))))
    (local.set $xn_a (v128.or
          (i64x2.shl (v128.or (local.get $hx_a)
                              (v128.xor (local.get $i_a) (i64x2.splat (i64.const 0x3ff00000))))
                     (i32.const 32))
          (v128.and (local.get $bits_a) (i64x2.splat (i64.const 0xffffffff)))))
    (local.set $xn_b (v128.or
          (i64x2.shl (v128.or (local.get $hx_b)
                              (v128.xor (local.get $i_b) (i64x2.splat (i64.const 0x3ff00000))))
                     (i32.const 32))
          (v128.and (local.get $bits_b) (i64x2.splat (i64.const 0xffffffff)))))
    (local.set $k_a (i64x2.add (local.get $k_a) (i64x2.shr_u (local.get $i_a) (i32.const 20))))
    (local.set $k_b (i64x2.add (local.get $k_b) (i64x2.shr_u (local.get $i_b) (i32.const 20))))
    (local.set $f_a (f64x2.sub (local.get $xn_a) (f64x2.splat (f64.const 1.0))))
    (local.set $f_b (f64x2.sub (local.get $xn_b) (f64x2.splat (f64.const 1.0))))
    (local.set $dk_a (f64x2.convert_low_i32x4_s
          (i8x16.shuffle 0 1 2 3 8 9 10 11 0 1 2 3 8 9 10 11 (local.get $k_a) (local.get $k_a))))
    (local.set $dk_b (f64x2.convert_low_i32x4_s
          (i8x16.shuffle 0 1 2 3 8 9 10 11 0 1 2 3 8 9 10 11 (local.get $k_b) (local.get $k_b))))
    (local.set $s_a (f64x2.div (local.get $f_a) (f64x2.add (f64x2.splat (f64.const 2.0))
      (local.get $f_a))))
    (local.set $s_b (f64x2.div (local.get $f_b) (f64x2.add (f64x2.splat (f64.const 2.0))
      (local.get $f_b))))
    (local.set $z_a (f64x2.mul (local.get $s_a) (local.get $s_a)))
    (local.set $z_b (f64x2.mul (local.get $s_b) (local.get $s_b)))
    (local.set $w_a (f64x2.mul (local.get $z_a) (local.get $z_a)))
    (local.set $w_b (f64x2.mul (local.get $z_b) (local.get $z_b)))
    (local.set $r_a (f64x2.add
          (f64x2.mul (local.get $z_a)
            (f64x2.add (f64x2.splat (f64.const 6.666666666666735130e-01))
              (f64x2.mul (local.get $w_a)
                (f64x2.add (f64x2.splat (f64.const 2.857142874366239149e-01))
                  (f64x2.mul (local.get $w_a)
                    (f64x2.add (f64x2.splat (f64.const 1.818357216161805012e-01))
                      (f64x2.mul (local.get $w_a) (f64x2.splat
                        (f64.const 1.479819860511658591e-01)))))))))
          (f64x2.mul (local.get $w_a)
            (f64x2.add (f64x2.splat (f64.const 3.999999999940941908e-01))
              (f64x2.mul (local.get $w_a)
                (f64x2.add (f64x2.splat (f64.const 2.222219843214978396e-01))
                  (f64x2.mul (local.get $w_a) (f64x2.splat
                    (f64.const 1.531383769920937332e-01)))))))))
    (local.set $r_b (f64x2.add
          (f64x2.mul (local.get $z_b)
            (f64x2.add (f64x2.splat (f64.const 6.666666666666735130e-01))
              (f64x2.mul (local.get $w_b)
                (f64x2.add (f64x2.splat (f64.const 2.857142874366239149e-01))
                  (f64x2.mul (local.get $w_b)
                    (f64x2.add (f64x2.splat (f64.const 1.818357216161805012e-01))
                      (f64x2.mul (local.get $w_b) (f64x2.splat
                        (f64.const 1.479819860511658591e-01)))))))))
          (f64x2.mul (local.get $w_b)
            (f64x2.add (f64x2.splat (f64.const 3.999999999940941908e-01))
              (f64x2.mul (local.get $w_b)
                (f64x2.add (f64x2.splat (f64.const 2.222219843214978396e-01))
                  (f64x2.mul (local.get $w_b) (f64x2.splat
                    (f64.const 1.531383769920937332e-01)))))))))
    (local.set $hfsq_a (f64x2.mul (f64x2.mul (f64x2.splat (f64.const 0.5)) (local.get $f_a))
                                    (local.get $f_a)))
    (local.set $hfsq_b (f64x2.mul (f64x2.mul (f64x2.splat (f64.const 0.5)) (local.get $f_b))
                                    (local.get $f_b)))
    (local.set $a_a (f64x2.sub
          (f64x2.mul (local.get $dk_a) (f64x2.splat (f64.const 6.93147180369123816490e-01)))
          (f64x2.sub
            (f64x2.sub (local.get $hfsq_a)
              (f64x2.add (f64x2.mul (local.get $s_a) (f64x2.add (local.get $hfsq_a)
                (local.get $r_a)))
                         (f64x2.mul (local.get $dk_a) (f64x2.splat
                           (f64.const 1.90821492927058770002e-10)))))
            (local.get $f_a))))
    (local.set $a_b (f64x2.sub
          (f64x2.mul (local.get $dk_b) (f64x2.splat (f64.const 6.93147180369123816490e-01)))
          (f64x2.sub
            (f64x2.sub (local.get $hfsq_b)
              (f64x2.add (f64x2.mul (local.get $s_b) (f64x2.add (local.get $hfsq_b)
                (local.get $r_b)))
                         (f64x2.mul (local.get $dk_b) (f64x2.splat
                           (f64.const 1.90821492927058770002e-10)))))
            (local.get $f_b))))
    (local.set $b_a (f64x2.sub
          (f64x2.mul (local.get $dk_a) (f64x2.splat (f64.const 6.93147180369123816490e-01)))
          (f64x2.sub
            (f64x2.sub (f64x2.mul (local.get $s_a) (f64x2.sub (local.get $f_a) (local.get $r_a)))
                       (f64x2.mul (local.get $dk_a) (f64x2.splat
                         (f64.const 1.90821492927058770002e-10))))
            (local.get $f_a))))
    (local.set $b_b (f64x2.sub
          (f64x2.mul (local.get $dk_b) (f64x2.splat (f64.const 6.93147180369123816490e-01)))
          (f64x2.sub
            (f64x2.sub (f64x2.mul (local.get $s_b) (f64x2.sub (local.get $f_b) (local.get $r_b)))
                       (f64x2.mul (local.get $dk_b) (f64x2.splat
                         (f64.const 1.90821492927058770002e-10))))
            (local.get $f_b))))
    (local.set $w_a (f64x2.neg (v128.bitselect (local.get $a_a) (local.get $b_a)
          (i64x2.gt_s
            (v128.or (i64x2.sub (local.get $hx_a) (i64x2.splat (i64.const 0x6147a)))
                     (i64x2.sub (i64x2.splat (i64.const 0x6b851)) (local.get $hx_a)))
            (i64x2.splat (i64.const 0))))))
    (local.set $w_b (f64x2.neg (v128.bitselect (local.get $a_b) (local.get $b_b)
          (i64x2.gt_s
            (v128.or (i64x2.sub (local.get $hx_b) (i64x2.splat (i64.const 0x6147a)))
                     (i64x2.sub (i64x2.splat (i64.const 0x6b851)) (local.get $hx_b)))
            (i64x2.splat (i64.const 0))))))
    (if (i32.or (i32.eqz (i64x2.all_true (f64x2.lt (local.get $w_a) (f64x2.splat (f64.const 5)))))
            (i32.eqz (i64x2.all_true (f64x2.lt (local.get $w_b) (f64x2.splat (f64.const 5))))))
      (then
        (call $gaussianPair (local.get $ptr) (local.get $w0) (local.get $w1))
        (call $gaussianPair (i32.add (local.get $ptr) (i32.const 8)) (local.get $w2)
          (local.get $w3))
        (return)))
    (local.set $w_a (f64x2.sub (local.get $w_a) (f64x2.splat (f64.const 2.5))))
    (local.set $w_b (f64x2.sub (local.get $w_b) (f64x2.splat (f64.const 2.5))))
    (local.set $p_a (f64x2.splat (f64.const 2.81022636e-08)))
    (local.set $p_b (f64x2.splat (f64.const 2.81022636e-08)))
    (local.set $p_a (f64x2.add (f64x2.splat (f64.const 3.43273939e-07)) (f64x2.mul
      (local.get $p_a) (local.get $w_a))))
    (local.set $p_b (f64x2.add (f64x2.splat (f64.const 3.43273939e-07)) (f64x2.mul
      (local.get $p_b) (local.get $w_b))))
    (local.set $p_a (f64x2.add (f64x2.splat (f64.const -3.5233877e-06)) (f64x2.mul
      (local.get $p_a) (local.get $w_a))))
    (local.set $p_b (f64x2.add (f64x2.splat (f64.const -3.5233877e-06)) (f64x2.mul
      (local.get $p_b) (local.get $w_b))))
    (local.set $p_a (f64x2.add (f64x2.splat (f64.const -4.39150654e-06)) (f64x2.mul
      (local.get $p_a) (local.get $w_a))))
    (local.set $p_b (f64x2.add (f64x2.splat (f64.const -4.39150654e-06)) (f64x2.mul
      (local.get $p_b) (local.get $w_b))))
    (local.set $p_a (f64x2.add (f64x2.splat (f64.const 0.00021858087)) (f64x2.mul (local.get $p_a)
      (local.get $w_a))))
    (local.set $p_b (f64x2.add (f64x2.splat (f64.const 0.00021858087)) (f64x2.mul (local.get $p_b)
      (local.get $w_b))))
    (local.set $p_a (f64x2.add (f64x2.splat (f64.const -0.00125372503)) (f64x2.mul
      (local.get $p_a) (local.get $w_a))))
    (local.set $p_b (f64x2.add (f64x2.splat (f64.const -0.00125372503)) (f64x2.mul
      (local.get $p_b) (local.get $w_b))))
    (local.set $p_a (f64x2.add (f64x2.splat (f64.const -0.00417768164)) (f64x2.mul
      (local.get $p_a) (local.get $w_a))))
    (local.set $p_b (f64x2.add (f64x2.splat (f64.const -0.00417768164)) (f64x2.mul
      (local.get $p_b) (local.get $w_b))))
    (local.set $p_a (f64x2.add (f64x2.splat (f64.const 0.246640727)) (f64x2.mul (local.get $p_a)
      (local.get $w_a))))
    (local.set $p_b (f64x2.add (f64x2.splat (f64.const 0.246640727)) (f64x2.mul (local.get $p_b)
      (local.get $w_b))))
    (local.set $p_a (f64x2.add (f64x2.splat (f64.const 1.50140941)) (f64x2.mul (local.get $p_a)
      (local.get $w_a))))
    (local.set $p_b (f64x2.add (f64x2.splat (f64.const 1.50140941)) (f64x2.mul (local.get $p_b)
      (local.get $w_b))))
    (local.set $p_a (f64x2.mul (f64x2.splat (f64.const 1.4142135623730951))
                                 (f64x2.mul (local.get $p_a) (local.get $x_a))))
    (local.set $p_b (f64x2.mul (f64x2.splat (f64.const 1.4142135623730951))
                                 (f64x2.mul (local.get $p_b) (local.get $x_b))))
    (v128.store64_lane offset=0 0 (local.get $ptr) (f32x4.demote_f64x2_zero (local.get $p_a)))
    (v128.store64_lane offset=8 0 (local.get $ptr) (f32x4.demote_f64x2_zero (local.get $p_b))))

  ;; The Gaussian transform of the n words at ptr, in place, by $gaussianQuad (quad = 1, n a
  ;; multiple of 4) or by $gaussianPair (quad = 0, n even): for the exhaustive tests of both.
  (func (export "gaussianWords") (param $ptr i32) (param $n i32) (param $quad i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $ptr) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $words
        (br_if $done (i32.ge_u (local.get $ptr) (local.get $end)))
        (if (local.get $quad)
          (then
            (call $gaussianQuad (local.get $ptr) (i32.load offset=0 (local.get $ptr))
              (i32.load offset=4 (local.get $ptr)) (i32.load offset=8 (local.get $ptr))
              (i32.load offset=12 (local.get $ptr)))
            (local.set $ptr (i32.add (local.get $ptr) (i32.const 16))))
          (else
            (call $gaussianPair (local.get $ptr) (i32.load offset=0 (local.get $ptr))
              (i32.load offset=4 (local.get $ptr)))
            (local.set $ptr (i32.add (local.get $ptr) (i32.const 8)))))
        (br $words))))

  ;; symmetricUniform: (2m + 1 - 2^24) / 2^24, exact in float32.
  (func $uniform (param $word i32) (result f32)
    (f32.demote_f64 (f64.mul
      (f64.convert_i32_s (i32.sub
        (i32.add (i32.shl (i32.shr_u (local.get $word) (i32.const 8)) (i32.const 1)) (i32.const 1))
        (i32.const 16777216)))
      (f64.const 0x1p-24))))

  ;; Four consecutive blocks first .. first + 3 at once (i32x4: lane j is block first + j): the
  ;; products by i64x2.extmul (32x32 -> 64), their high and low words gathered by shuffles; then
  ;; the uniform transform four lanes at a time (mode 1) or none (mode 0), stored through a 4x4
  ;; transpose (one row per block). Not for the Gaussian: there the scalar rounds are faster here
  ;; (they run on the integer units while the vector units do the previous block's transform).
  (func $fill4 (param $at i32) (param $first i32) (param $sample i32) (param $step i32)
        (param $stream i32) (param $key0 i32) (param $key1 i32) (param $mode i32)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128) (local $k0 v128)
    (local $k1 v128) (local $pa v128) (local $pb v128) (local $hi0 v128) (local $lo0 v128)
    (local $hi1 v128) (local $lo1 v128) (local $t0 v128) (local $t1 v128) (local $t2 v128)
    (local $t3 v128) (local $round i32)
    (local.set $c0 (i32x4.add (i32x4.splat (local.get $first)) (v128.const i32x4 0 1 2 3)))
    (local.set $c1 (i32x4.splat (local.get $sample)))
    (local.set $c2 (i32x4.splat (local.get $step)))
    (local.set $c3 (i32x4.splat (local.get $stream)))
    (local.set $k0 (i32x4.splat (local.get $key0)))
    (local.set $k1 (i32x4.splat (local.get $key1)))
    (loop $roundLoop
      (local.set $pa (i64x2.extmul_low_i32x4_u (local.get $c0) (i32x4.splat
        (i32.const 0xD2511F53))))
      (local.set $pb (i64x2.extmul_high_i32x4_u (local.get $c0) (i32x4.splat
        (i32.const 0xD2511F53))))
      (local.set $hi0 (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $pa)
        (local.get $pb)))
      (local.set $lo0 (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $pa)
        (local.get $pb)))
      (local.set $pa (i64x2.extmul_low_i32x4_u (local.get $c2) (i32x4.splat
        (i32.const 0xCD9E8D57))))
      (local.set $pb (i64x2.extmul_high_i32x4_u (local.get $c2) (i32x4.splat
        (i32.const 0xCD9E8D57))))
      (local.set $hi1 (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $pa)
        (local.get $pb)))
      (local.set $lo1 (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $pa)
        (local.get $pb)))
      (local.set $c0 (v128.xor (v128.xor (local.get $hi1) (local.get $c1)) (local.get $k0)))
      (local.set $c1 (local.get $lo1))
      (local.set $c2 (v128.xor (v128.xor (local.get $hi0) (local.get $c3)) (local.get $k1)))
      (local.set $c3 (local.get $lo0))
      (local.set $k0 (i32x4.add (local.get $k0) (i32x4.splat (i32.const 0x9E3779B9))))
      (local.set $k1 (i32x4.add (local.get $k1) (i32x4.splat (i32.const 0xBB67AE85))))
      (local.set $round (i32.add (local.get $round) (i32.const 1)))
      (br_if $roundLoop (i32.lt_u (local.get $round) (i32.const 10))))
    (if (i32.eq (local.get $mode) (i32.const 1))
      (then
        ;; the uniform (2m + 1 - 2^24) 2^-24 is exact in float32 (|2m + 1 - 2^24| < 2^24)
        (local.set $c0 (f32x4.mul
          (f32x4.convert_i32x4_s (i32x4.sub
            (i32x4.add (i32x4.shl (i32x4.shr_u (local.get $c0) (i32.const 8)) (i32.const 1))
                       (i32x4.splat (i32.const 1)))
            (i32x4.splat (i32.const 16777216))))
          (f32x4.splat (f32.const 0x1p-24))))
        (local.set $c1 (f32x4.mul
          (f32x4.convert_i32x4_s (i32x4.sub
            (i32x4.add (i32x4.shl (i32x4.shr_u (local.get $c1) (i32.const 8)) (i32.const 1))
                       (i32x4.splat (i32.const 1)))
            (i32x4.splat (i32.const 16777216))))
          (f32x4.splat (f32.const 0x1p-24))))
        (local.set $c2 (f32x4.mul
          (f32x4.convert_i32x4_s (i32x4.sub
            (i32x4.add (i32x4.shl (i32x4.shr_u (local.get $c2) (i32.const 8)) (i32.const 1))
                       (i32x4.splat (i32.const 1)))
            (i32x4.splat (i32.const 16777216))))
          (f32x4.splat (f32.const 0x1p-24))))
        (local.set $c3 (f32x4.mul
          (f32x4.convert_i32x4_s (i32x4.sub
            (i32x4.add (i32x4.shl (i32x4.shr_u (local.get $c3) (i32.const 8)) (i32.const 1))
                       (i32x4.splat (i32.const 1)))
            (i32x4.splat (i32.const 16777216))))
          (f32x4.splat (f32.const 0x1p-24))))
))
    ;; transpose: row j = (c0[j], c1[j], c2[j], c3[j]), the values of block first + j
    (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $c0)
      (local.get $c1)))
    (local.set $t1 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $c2)
      (local.get $c3)))
    (local.set $t2 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $c0)
      (local.get $c1)))
    (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $c2)
      (local.get $c3)))
    (v128.store offset=0 (local.get $at) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
      (local.get $t0) (local.get $t1)))
    (v128.store offset=16 (local.get $at)
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t1)))
    (v128.store offset=32 (local.get $at) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
      (local.get $t2) (local.get $t3)))
    (v128.store offset=48 (local.get $at)
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t2)
        (local.get $t3))))

  ;; Writes the 4-word blocks first .. first + blocks - 1 of the stream (counter
  ;; (block, sample, step, stream), key (key0, key1)) at ptr, 16 bytes a block, transformed by
  ;; mode (0 bits, 1 uniform, 2 gaussian).
  (func (export "fill") (param $ptr i32) (param $first i32) (param $blocks i32)
        (param $sample i32) (param $step i32) (param $stream i32)
        (param $key0 i32) (param $key1 i32) (param $mode i32)
    (local $b i32) (local $round i32) (local $at i32)
    (local $c0 i32) (local $c1 i32) (local $c2 i32) (local $c3 i32) (local $k0 i32) (local $k1 i32)
    (local $p0 i64) (local $p1 i64)
    (if (i32.eqz (local.get $blocks)) (then (return)))
    ;; bits and uniforms: four blocks at a time while four are left
    (block $quads
      (loop $quadLoop
        (br_if $quads (i32.eq (local.get $mode) (i32.const 2)))
        (br_if $quads (i32.gt_u (i32.add (local.get $b) (i32.const 4)) (local.get $blocks)))
        (call $fill4 (i32.add (local.get $ptr) (i32.shl (local.get $b) (i32.const 4)))
          (i32.add (local.get $first) (local.get $b)) (local.get $sample) (local.get $step)
          (local.get $stream) (local.get $key0) (local.get $key1) (local.get $mode))
        (local.set $b (i32.add (local.get $b) (i32.const 4)))
        (br $quadLoop)))
    (if (i32.ge_u (local.get $b) (local.get $blocks)) (then (return)))
    (loop $blockLoop
      (local.set $c0 (i32.add (local.get $first) (local.get $b)))
      (local.set $c1 (local.get $sample))
      (local.set $c2 (local.get $step))
      (local.set $c3 (local.get $stream))
      (local.set $k0 (local.get $key0))
      (local.set $k1 (local.get $key1))
      (local.set $round (i32.const 0))
      (loop $roundLoop
        (local.set $p0 (i64.mul (i64.extend_i32_u (local.get $c0)) (i64.const 0xD2511F53)))
        (local.set $p1 (i64.mul (i64.extend_i32_u (local.get $c2)) (i64.const 0xCD9E8D57)))
        (local.set $c0 (i32.xor (i32.xor (i32.wrap_i64 (i64.shr_u (local.get $p1) (i64.const 32)))
                                         (local.get $c1))
                                (local.get $k0)))
        (local.set $c1 (i32.wrap_i64 (local.get $p1)))
        (local.set $c2 (i32.xor (i32.xor (i32.wrap_i64 (i64.shr_u (local.get $p0) (i64.const 32)))
                                         (local.get $c3))
                                (local.get $k1)))
        (local.set $c3 (i32.wrap_i64 (local.get $p0)))
        (local.set $k0 (i32.add (local.get $k0) (i32.const 0x9E3779B9)))
        (local.set $k1 (i32.add (local.get $k1) (i32.const 0xBB67AE85)))
        (local.set $round (i32.add (local.get $round) (i32.const 1)))
        (br_if $roundLoop (i32.lt_u (local.get $round) (i32.const 10))))
      (local.set $at (i32.add (local.get $ptr) (i32.shl (local.get $b) (i32.const 4))))
      (if (i32.eq (local.get $mode) (i32.const 2))
        (then
          (call $gaussianQuad (local.get $at) (local.get $c0) (local.get $c1) (local.get $c2)
                              (local.get $c3)))
        (else (if (i32.eq (local.get $mode) (i32.const 1))
          (then
            (f32.store offset=0 (local.get $at) (call $uniform (local.get $c0)))
            (f32.store offset=4 (local.get $at) (call $uniform (local.get $c1)))
            (f32.store offset=8 (local.get $at) (call $uniform (local.get $c2)))
            (f32.store offset=12 (local.get $at) (call $uniform (local.get $c3))))
          (else
            (i32.store offset=0 (local.get $at) (local.get $c0))
            (i32.store offset=4 (local.get $at) (local.get $c1))
            (i32.store offset=8 (local.get $at) (local.get $c2))
            (i32.store offset=12 (local.get $at) (local.get $c3))))))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br_if $blockLoop (i32.lt_u (local.get $b) (local.get $blocks)))))
)
