"""Steps of the toy study: one generation step."""

from ...steps import Step


def toy_frames(job, args):
    """Random ellipsoid frames -> frames.xyz."""
    import ase
    import numpy as np

    from ...frames import write_frames

    sp = job.sp()
    rng = np.random.default_rng(sp["seed"])
    frames = []
    for _ in range(sp["n_frames"]):
        n = int(rng.integers(2, 6))
        atoms = ase.Atoms("X" * n, positions=rng.uniform(0, 5, (n, 3)), cell=[5, 5, 5], pbc=True)
        quaternions = rng.normal(size=(n, 4))
        atoms.arrays["c_q"] = quaternions / np.linalg.norm(quaternions, axis=1, keepdims=True)
        for k in (1, 2, 3):
            atoms.arrays[f"c_diameter[{k}]"] = np.full(n, float(k))
        frames.append(atoms)
    write_frames(job.fn("frames.xyz"), frames)
    return {"n_particles": sum(len(atoms) for atoms in frames)}


STEPS = [Step("toy_frames", toy_frames, "random ellipsoid frames -> frames.xyz", artifacts={"frames": "frames.xyz"})]
