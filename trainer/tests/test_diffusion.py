import copy

import torch

from yonos_train.diffusion import ddim_sample, distillation_loss, raw_target_loss
from yonos_train.models import UNet, UNetSpec
from yonos_train.schedule import diffuse

SPEC = UNetSpec(latent_channels=4, widths=(8, 8, 8), mid_blocks=1, emb_dim=16)


def _perturbed(model: UNet) -> UNet:
    other = copy.deepcopy(model)
    with torch.no_grad():
        for p in other.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return other


def test_distillation_target_is_the_frozen_teachers_prediction():
    teacher = UNet(SPEC).requires_grad_(False)
    student = _perturbed(teacher)
    z_h, z_l, z_l_teacher = (torch.randn(2, 4, 8, 8) for _ in range(3))
    logsnr, noise = torch.tensor([-3.0, 4.0]), torch.randn(2, 4, 8, 8)
    loss = distillation_loss(student, teacher, z_h, z_l, z_l_teacher, logsnr, noise)
    z_t = diffuse(z_h, noise, logsnr)
    expected = (student(z_t, z_l, logsnr) - teacher(z_t, z_l_teacher, logsnr)).pow(2).mean()
    torch.testing.assert_close(loss, expected)


def test_no_gradient_reaches_the_teacher():
    teacher = UNet(SPEC)  # deliberately left trainable: the loss itself must not backpropagate into it
    student = _perturbed(teacher)
    z = torch.randn(2, 4, 8, 8)
    loss = distillation_loss(student, teacher, z, z, z, torch.tensor([0.0, 1.0]), torch.randn_like(z))
    loss.backward()
    assert all(p.grad is None for p in teacher.parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in student.parameters())


def test_student_identical_to_teacher_on_same_input_has_zero_loss():
    teacher = UNet(SPEC)
    z = torch.randn(2, 4, 8, 8)
    loss = distillation_loss(copy.deepcopy(teacher), teacher, z, z, z, torch.tensor([0.0, 1.0]), torch.randn_like(z))
    assert loss.item() < 1e-10


def test_raw_target_loss_is_zero_for_a_perfect_v_predictor():
    z_h, noise = torch.randn(2, 4, 8, 8), torch.randn(2, 4, 8, 8)

    def oracle(z_t, z_l, logsnr):
        from yonos_train.schedule import v_from_x_eps

        return v_from_x_eps(z_h, noise, logsnr)

    assert raw_target_loss(oracle, z_h, z_h, torch.tensor([-2.0, 3.0]), noise).item() < 1e-10


def test_one_step_ddim_is_deterministic_and_recovers_a_perfect_predictor():
    target = torch.randn(1, 4, 8, 8)

    def oracle(z_t, z_l, logsnr):  # the v that maps z_t back to `target`
        from yonos_train.schedule import alpha_sigma

        alpha, sigma = (t.reshape(-1, 1, 1, 1) for t in alpha_sigma(logsnr))
        eps = (z_t - alpha * target) / sigma
        return alpha * eps - sigma * target

    noise = torch.randn(1, 4, 8, 8, generator=torch.Generator().manual_seed(3))
    for steps in (1, 4):
        out = ddim_sample(oracle, target, noise, steps=steps)
        torch.testing.assert_close(out, target, atol=1e-4, rtol=1e-4)
