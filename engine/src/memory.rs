//! Memory handed back to the system. glibc keeps the heap pages a process frees
//! for its next allocations, and on a small Pi that memory is better the warehouse
//! app's: after work that frees as much as it keeps (a catalogue's build, a run),
//! reelsync gives the free pages back.

/// Returns the heap's free pages to the system: cheap, and harmless at any time
/// from any thread (what is in use is not touched).
pub fn give_back_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory to the system; it touches no
    // memory in use and may be called from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}
