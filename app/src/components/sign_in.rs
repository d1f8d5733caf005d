//! The top bar's sign-in: a token field and a button for the public (and for
//! a viewer who wants admin), the role and a sign-out button once signed in.
//! The token is typed once: the server keeps a session in Redis and the
//! browser an `HttpOnly` cookie; the page reloads to show the new role.

use crate::i18n::use_texts;
use crate::session::{self, use_session};
use crate::types::{Credential, SessionInfo};
use leptos::prelude::*;

/// Sign-in form or signed-in role, from the page's session answer.
#[component]
pub fn SignIn() -> impl IntoView {
    let session = use_session();
    view! {
        <Transition fallback=|| ()>
            {move || session.0.get().and_then(Result::ok).map(|info| {
                if info.credential == Credential::Session {
                    view! { <SignedIn info /> }.into_any()
                } else {
                    view! { <SignInForm info /> }.into_any()
                }
            })}
        </Transition>
    }
}

#[component]
fn SignedIn(info: SessionInfo) -> impl IntoView {
    let a = &use_texts().access;
    let error = RwSignal::new(None::<String>);
    let csrf = info.csrf_token.clone();
    let sign_out = move |_| {
        let csrf = csrf.clone();
        leptos::task::spawn_local(async move {
            if let Err(e) = session::sign_out(csrf).await {
                error.set(Some(e));
            }
        });
    };
    view! {
        <div class="session glass" data-testid="session">
            <span class="muted">{a.signed_in_as}</span>
            <strong data-testid="session-role">{(a.role)(info.role)}</strong>
            <button class="button ghost small" type="button" data-testid="sign-out" on:click=sign_out>{a.sign_out}</button>
            {move || error.get().map(|e| view! { <span class="alert alert-down" role="alert">{e}</span> })}
        </div>
    }
}

#[component]
fn SignInForm(info: SessionInfo) -> impl IntoView {
    let a = &use_texts().access;
    let token = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // Enabled once hydrated (effects run in the browser only): before that
    // a submit would be a plain form post the server does not take.
    let ready = RwSignal::new(false);
    Effect::new(move |_| ready.set(true));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = token.get_untracked();
        if typed.trim().is_empty() {
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            if let Err(e) = session::sign_in(typed).await {
                error.set(Some(format!("{} {e}", a.failed)));
                busy.set(false);
            }
        });
    };
    let loopback = info.credential == Credential::Loopback;
    view! {
        <form class="sign-in glass" method="post" action="/api/session" on:submit=submit data-testid="sign-in">
            {loopback.then(|| view! {
                <span class="muted small" title=a.loopback data-testid="session-loopback">{(a.role)(info.role)}</span>
            })}
            <input type="password" name="token" autocomplete="off" maxlength="512" required=true
                aria-label=a.token_label placeholder=a.token_placeholder data-testid="sign-in-token"
                prop:value=move || token.get() on:input=move |ev| token.set(event_target_value(&ev)) />
            <button class="button small" type="submit" data-testid="sign-in-submit"
                disabled=move || !ready.get() || busy.get()>{a.sign_in}</button>
            {move || error.get().map(|e| view! { <span class="alert alert-down" role="alert" data-testid="sign-in-error">{e}</span> })}
        </form>
    }
}
