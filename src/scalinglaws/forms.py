r"""The laws' functions, one plain vectorised function each, written in the space the law is fitted in (see
:mod:`scalinglaws.laws` for the spaces and :data:`scalinglaws.laws.LAWS` for the metadata that makes each a law).
Parameters use the internal names: a log-parametrised amplitude ``A`` is ``log_A``."""

from __future__ import annotations

import numpy as np

__all__ = [
    "direct_power_law", "direct_qmax", "bnsl", "bnsl_jacobian", "across_tpr", "passk_joint", "power_in_k",
    "pass_at_k_in_compute", "pass_at_k_in_compute_jacobian", "params_tokens", "params_tokens_jacobian",
    "gold_reference", "chinchilla", "loss_in_compute", "accuracy_linear_in_loss", "accuracy_logistic_in_loss",
    "accuracy_linear_in_log_compute", "accuracy_logistic_in_log_compute", "accuracy_logistic_in_log_compute_jacobian",
]


def direct_power_law(C, log_A, alpha):
    r"""Direct power law of downstream accuracy in compute (Krajewski et al. 2025, Eq. 2).

    .. math:: -\log Q = A\,C^{-\alpha}
              \quad\Longleftrightarrow\quad \log(-\log Q) = \log A - \alpha \log C

    Parameters
    ----------
    C : array_like
        Training compute in FLOPs.
    log_A, alpha : float
        Log amplitude and compute exponent.

    Returns
    -------
    ndarray
        :math:`\log(-\log Q)`. Fitted by ordinary least squares in this space, as in the paper's code.
    """
    return log_A - alpha * np.log(C)


def direct_qmax(C, log_A, alpha, log_E):
    r"""Direct law with a maximum accuracy (Krajewski et al. 2025, appendix L, Eq. 10).

    .. math:: -\log Q = A\,C^{-\alpha} + E, \qquad Q_{\max} = e^{-E}

    Returns :math:`\log(-\log Q) = \operatorname{logaddexp}(\log A - \alpha\log C, \log E)`; the paper fits it
    with a summed Huber loss (δ = 1e-3) in this space.
    """
    return np.logaddexp(log_A - alpha * np.log(C), log_E)


def bnsl(C, a, log_b, c0, log10_d1, f1, c1):
    r"""Broken neural scaling law with one break (Krajewski et al. 2025, Eq. 1; Caballero et al. 2023).

    .. math:: y = a + b\,C^{-c_0}\left(1 + (C/d_1)^{1/f_1}\right)^{-c_1 f_1}, \qquad y = -\log Q

    ``d1`` is fitted as ``log10_d1`` (the paper's start range is 1e18 to 1e24 FLOPs). Evaluated in log space for
    the power-law factor so that large C does not overflow; the paper clips its output to [-50, 50].
    """
    logc = np.log(C)
    log_break = np.logaddexp(0.0, (logc - log10_d1 * np.log(10.0)) / f1)
    return a + np.exp(np.clip(log_b - c0 * logc - c1 * f1 * log_break, -700.0, 700.0))


def bnsl_jacobian(C, a, log_b, c0, log10_d1, f1, c1):
    r"""Derivatives of :func:`bnsl` in its parameters, one column each in the signature's order.

    With :math:`u = (\log C - \log d_1)/f_1`, :math:`s = \operatorname{softplus}(u)`, :math:`\sigma` the logistic
    function and :math:`E = b\,C^{-c_0} e^{-c_1 f_1 s}` (the second term of the law):
    :math:`\partial_a = 1`, :math:`\partial_{\log b} = E`, :math:`\partial_{c_0} = -E\log C`,
    :math:`\partial_{\log_{10} d_1} = E\,c_1 \ln 10\,\sigma(u)`, :math:`\partial_{f_1} = E\,c_1 (u\,\sigma(u) - s)`,
    :math:`\partial_{c_1} = -E f_1 s`. Zero where the law's exponent is clipped. Checked against finite
    differences in ``tests/test_laws.py``.
    """
    logc = np.log(np.asarray(C, float))
    u = (logc - log10_d1 * np.log(10.0)) / f1
    log_break = np.logaddexp(0.0, u)
    sig = np.exp(-np.logaddexp(0.0, -u))
    z = log_b - c0 * logc - c1 * f1 * log_break
    E = np.where(np.abs(z) < 700.0, np.exp(np.clip(z, -700.0, 700.0)), 0.0)
    return np.column_stack([np.ones_like(logc), E, -E * logc, E * c1 * np.log(10.0) * sig,
                            E * c1 * (u * sig - log_break), -E * f1 * log_break])


def across_tpr(N, D, log_A, alpha, log_B, beta):
    r"""Law across tokens-per-parameter ratios (Krajewski et al. 2025, Eq. 4).

    .. math:: -\log Q = A\,N^{-\alpha} + B\,D^{-\beta}

    Returns :math:`\log(-\log Q)`; the paper fits it with a summed Huber loss (δ = 1e-3) in this space.
    """
    return np.logaddexp(log_A - alpha * np.log(N), log_B - beta * np.log(D))


def passk_joint(C, k, log_A, alpha, beta, delta):
    r"""Joint law of pass@k in compute and k (Krajewski et al. 2025, Eq. 5).

    .. math:: \log(-\log Q) = \log A + \alpha\log C + \beta\log k + \delta\,\log C\,\log k

    equivalently :math:`-\log Q = A\,k^{\beta}\,C^{\alpha + \delta\log k}`: the compute exponent changes with k.
    Note the paper's sign convention: α (and usually δ) are negative. Fitted by ordinary least squares.
    """
    lc, lk = np.log(C), np.log(k)
    return log_A + alpha * lc + beta * lk + delta * lc * lk


def power_in_k(k, log_a, b):
    r"""Pass@k of one model as a power law in the number of samples k ("large language monkeys";
    Brown et al. 2024, Schaeffer et al. 2025b).

    .. math:: -\log \mathrm{pass@}k = a\,k^{-b}
              \quad\Longleftrightarrow\quad \log(-\log \mathrm{pass@}k) = \log a - b \log k

    Returns :math:`\log(-\log \mathrm{pass@}k)`, fitted by ordinary least squares in this space.
    """
    return log_a - b * np.log(k)


def pass_at_k_in_compute(C, log_E0, log_C0, alpha):
    r"""Pass@k in compute (Schaeffer et al. 2025, law 1), for one k.

    .. math:: -\log \mathrm{pass@}k = E_0 + C_0\,C^{-\alpha}

    Returns :math:`\log(-\log \mathrm{pass@}k)`, fitted by squared error in this space (the authors' follow-up
    code; UNCONFIRMED for the paper).
    """
    return np.logaddexp(log_E0, log_C0 - alpha * np.log(C))


def _term_weights(*terms):
    """Each term's share exp(t_i - logsumexp(t)) of a log-sum-exp: the derivative of the sum in each term."""
    stack = np.stack(np.broadcast_arrays(*terms))
    return np.exp(stack - np.logaddexp.reduce(stack, axis=0))


def pass_at_k_in_compute_jacobian(C, log_E0, log_C0, alpha):
    """Derivatives of :func:`pass_at_k_in_compute` in (log_E0, log_C0, alpha): with w the two terms' shares of
    the sum, ``[w_E, w_C, -w_C log C]``. Checked against finite differences in ``tests/test_laws.py``."""
    logc = np.log(np.asarray(C, float))
    w = _term_weights(np.full_like(logc, log_E0), log_C0 - alpha * logc)
    return np.column_stack([w[0], w[1], -w[1] * logc])


def params_tokens(N, D, log_E0, log_N0, beta, log_D0, gamma):
    r"""Pass@k in parameters and tokens (Schaeffer et al. 2025, law 2), for one k.

    .. math:: -\log \mathrm{pass@}k = \mathcal{E}_0 + N_0\,N^{-\beta} + D_0\,D^{-\gamma}

    Returns :math:`\log(-\log \mathrm{pass@}k)`.
    """
    stack = np.stack(np.broadcast_arrays(log_E0, log_N0 - beta * np.log(N), log_D0 - gamma * np.log(D)))
    return np.logaddexp.reduce(stack, axis=0)


def params_tokens_jacobian(N, D, log_E0, log_N0, beta, log_D0, gamma):
    """Derivatives of :func:`params_tokens` in (log_E0, log_N0, beta, log_D0, gamma), from the three terms'
    shares w of the sum: ``[w_E, w_N, -w_N log N, w_D, -w_D log D]``."""
    logn, logd = np.broadcast_arrays(np.log(np.asarray(N, float)), np.log(np.asarray(D, float)))
    w = _term_weights(np.full_like(logn, log_E0), log_N0 - beta * logn, log_D0 - gamma * logd)
    return np.column_stack([w[0], w[1], -w[1] * logn, w[2], -w[2] * logd])


def gold_reference(G, log_xi0, log_K0, kappa):
    r"""Pass@k in the gold-reference likelihood (Schaeffer et al. 2025, law 3), for one k.

    .. math:: -\log \mathrm{pass@}k = \xi_0 + K_0\,G^{\kappa}, \qquad G = -\log \mathrm{GoldProb}

    Returns :math:`\log(-\log \mathrm{pass@}k)`. Note the positive exponent: pass@k falls as the gold solution
    becomes less likely.
    """
    return np.logaddexp(log_xi0, log_K0 + kappa * np.log(G))


def chinchilla(N, D, log_E, log_A, alpha, log_B, beta):
    r"""The Chinchilla loss law (Hoffmann et al. 2022, Approach 3).

    .. math:: L = E + A\,N^{-\alpha} + B\,D^{-\beta}

    Returns :math:`\log L`; fitted with a summed Huber loss (δ = 1e-3) in this space, as Hoffmann et al. and
    Besiroglu et al. (2024) do. The classical instance of the compute-optimal envelope theorem.
    """
    stack = np.stack(np.broadcast_arrays(log_E, log_A - alpha * np.log(N), log_B - beta * np.log(D)))
    return np.logaddexp.reduce(stack, axis=0)


def loss_floor_in_compute(C, log_E, log_A, alpha):
    r"""A loss with a floor in compute: the first step of the OLMo ladder paper's FLOPs variant (Bhagia et al. 2024),
    fitted to a task loss (bits per byte of the correct answer).

    .. math:: L = E + A\,C^{-\alpha}

    Returns :math:`\log L` (the same log-sum-exp as :func:`pass_at_k_in_compute`, for a loss)."""
    return np.logaddexp(log_E, log_A - alpha * np.log(C))


def loss_floor_in_compute_jacobian(C, log_E, log_A, alpha):
    """Derivatives of :func:`loss_floor_in_compute` in (log_E, log_A, alpha)."""
    return pass_at_k_in_compute_jacobian(C, log_E, log_A, alpha)


def loss_in_compute(C, log_C_N, alpha_N):
    r"""Stage 1 of the two-stage route: validation loss in compute (Krajewski et al. 2025, two-stage baseline).

    .. math:: L = (C / C_N)^{\alpha_N} \quad\Longleftrightarrow\quad \log L = \alpha_N(\log C - \log C_N)

    No irreducible term, as in the paper's code; :math:`\alpha_N < 0`. Fitted by least squares of log L.
    """
    return alpha_N * (np.log(C) - log_C_N)


def accuracy_linear_in_loss(L, a, b):
    r"""Stage 2 of the two-stage route, linear link: :math:`Q = a + b\,L` (least squares on Q)."""
    return a + b * L


def accuracy_logistic_in_loss(L, a, k, l0, b):
    r"""Stage 2 of the two-stage route, logistic link (least squares on Q).

    .. math:: Q = \frac{a}{1 + e^{-k (L - l_0)}} + b

    With accuracy falling as loss grows, the fitted ``k`` is negative.
    """
    return a / (1.0 + np.exp(np.clip(-k * (L - l0), -700, 700))) + b


def accuracy_linear_in_log_compute(C, a, b):
    r"""A naive baseline: accuracy a straight line in the decades of compute, :math:`Q = a + b\,\log_{10} C`
    (least squares on Q). No floor, no ceiling: what a forecaster who draws a line through the plot predicts."""
    return a + b * np.log10(C)


def accuracy_logistic_in_log_compute(C, a, k, x0, b):
    r"""Accuracy a sigmoid in the decades of compute (least squares on Q).

    .. math:: Q = \frac{a}{1 + e^{-k (\log_{10} C - x_0)}} + b

    ``b`` is the floor (near chance), ``a + b`` the ceiling, ``x0`` the decade of the midpoint and ``k`` the
    steepness per decade: the emergence curve of an accuracy that rises from chance (cf. the sigmoid in a task's
    loss of :func:`accuracy_logistic_in_loss`, here in compute directly).
    """
    return a / (1.0 + np.exp(np.clip(-k * (np.log10(C) - x0), -700, 700))) + b


def accuracy_logistic_in_log_compute_jacobian(C, a, k, x0, b):
    r"""Derivatives of :func:`accuracy_logistic_in_log_compute` in ``(a, k, x0, b)``: with
    :math:`s = 1/(1 + e^{-k(x - x_0)})`, :math:`x = \log_{10} C`, they are :math:`s`, :math:`a s (1 - s)(x - x_0)`,
    :math:`-a s (1 - s) k` and 1."""
    x = np.log10(C)
    s = 1.0 / (1.0 + np.exp(np.clip(-k * (x - x0), -700, 700)))
    ds = a * s * (1.0 - s)
    return np.column_stack([s, ds * (x - x0), -ds * k, np.ones_like(x)])
