"""Access situations: password resets, lockouts, permission requests, MFA and SSO."""

from __future__ import annotations

from generating.situations.base import situation

# situation(id, subcategory, impacts, summary, short, bodies, group=, request=, voice=, **slots)
ACCESS = [
    # ---- Password Reset
    situation(
        "acc-pw-forgotten",
        "Password Reset",
        "u",
        "User forgot their password and needs it reset",
        ["forgot my password", "need a password reset", "pw reset pls", "forgot password again"],
        [
            "I've forgotten my Windows password and can't log in to my laptop. Can you reset it please?",
            "I came back from two weeks off and can't remember my password. Could you reset it so I can log in?",
            "Please reset my network password, I must have forgotten it over the weekend and now I'm stuck at the "
            "login screen.",
            "I changed my password on Friday and now I can't remember the new one. I need a reset please.",
        ],
        request=True,
    ),
    situation(
        "acc-pw-expired-remote",
        "Password Reset",
        "u",
        "Expired password cannot be changed while working remotely",
        ["password expired cant change it", "pw expired working from home", "expired password"],
        [
            "My password expired while I'm working from home and changing it at the login screen keeps failing.",
            "Windows says my password has expired, but I'm remote and the change fails every time, saying the domain "
            "isn't available.",
            "Got the 'your password has expired' message on the VPN login and there's no option to change it from "
            "home.",
        ],
        error=[
            "Your password has expired and must be changed.",
            "We can't sign you in with this credential because your domain isn't available.",
        ],
    ),
    situation(
        "acc-pw-app-reset",
        "Password Reset",
        "u",
        "Password reset needed for {app}",
        ["{app} password reset", "reset my {app} pw", "{app} password"],
        [
            "Could you reset my {app} password please? I don't remember it and there's no self-service option.",
            "I need a new password for {app}. My old one isn't accepted any more.",
            "Please send me a temporary password for {app}, I haven't logged in for months and forgot it.",
        ],
        request=True,
        app=["SAP", "Workday", "Oracle EBS", "NetSuite", "Concur", "Sage"],
    ),
    situation(
        "acc-pw-sspr-error",
        "Password Reset",
        "ut",
        "Self-service password reset portal returns an error",
        ["password reset portal broken", "self service reset not working", "sspr error"],
        [
            "The self-service password reset page gives an error after I enter the verification code, so I can't "
            "reset my own password.",
            "I tried to reset my password through the self-service portal but it says 'something went wrong' at the "
            "last step.",
            "The 'forgot password' link on the login page goes to a page that never loads, so I can't reset it myself.",
        ],
        error=[
            "Something went wrong. Please try again later. (Error code: SSPR_0029)",
            "We're sorry, we can't reset your password at this time.",
        ],
    ),
    situation(
        "acc-pw-policy-rejects",
        "Password Reset",
        "mu",
        "New password rejected by the policy although it meets the rules",
        ["new password not accepted", "password keeps getting rejected", "cant change password"],
        [
            "Every new password I try is rejected as not meeting the policy, even with 14 characters, numbers and "
            "symbols.",
            "I'm trying to change my password before it expires but it keeps saying it doesn't meet the complexity "
            "rules. What are the rules exactly?",
            "The password change screen refuses everything I type. I've tried five different passwords that follow "
            "the policy.",
        ],
        error=[
            "Unable to update the password. The value provided for the new password does not meet the "
            "length, complexity, or history requirements of the domain.",
            "The password does not meet the password policy requirements.",
        ],
    ),
    situation(
        "acc-pw-starter-initial",
        "Password Reset",
        "u",
        "New starter has not received an initial password",
        ["new starter no password", "no initial password for new joiner", "first password missing"],
        [
            "I started today and never received my initial password, so I can't log in to anything. My manager is "
            "{manager}.",
            "Our new team member {person} started this morning but the welcome email with the first password never "
            "arrived. Can you send it?",
            "{person} joins the {dept} team today and we don't have a first-time password for their account.",
        ],
        request=True,
        group="Identity & Access Management",
    ),
    situation(
        "acc-pw-cached-devices",
        "Password Reset",
        "mu",
        "Devices keep prompting for the old password after a password change",
        ["phone keeps asking for password", "old password stuck on phone", "password prompts after change"],
        [
            "Since I changed my password my phone keeps asking for it every few minutes, and entering the new one "
            "doesn't help.",
            "After the password change yesterday my {phone} keeps popping up 'enter password for your account'. "
            "I think it still has the old one saved.",
            "I updated my password this morning and now my phone and tablet both keep asking for credentials in a "
            "loop.",
        ],
        error=[
            "Enter password for your account",
            "Outlook needs the password for your account.",
        ],
    ),
    situation(
        "acc-pw-bitlocker-key",
        "Password Reset",
        "u",
        "User needs the BitLocker recovery key to unlock their laptop",
        ["need bitlocker key", "bitlocker recovery key pls", "laptop asking for recovery key"],
        [
            "My laptop is asking for a BitLocker recovery key after a BIOS update and I don't have it. The key ID "
            "starts with {keyid}.",
            "Laptop boots to a blue BitLocker recovery screen asking for a 48-digit key. Can you give me the recovery "
            "key? Key ID {keyid}.",
            "I need the BitLocker recovery key for my {laptop}, it won't start Windows without it.",
        ],
        request=True,
        keyid=["3F2A1C", "8B41D0", "C07E92", "51DA6F", "A9E310"],
    ),
    situation(
        "acc-pw-shared-account",
        "Password Reset",
        "mt",
        "Password reset requested for the shared {acct} account",
        ["reset shared account password", "{acct} account password", "shared login password reset"],
        [
            "Could you reset the password of the shared {acct} account? The person who knew it has left the company.",
            "We need a new password for the {acct} login, the current one was written on a sticky note and we want it "
            "changed.",
            "Please reset the password for our shared {acct} account and send it to me as the team lead.",
        ],
        request=True,
        group="Identity & Access Management",
        acct=["reception kiosk", "warehouse scanner", "meeting room PC", "training lab", "shop floor terminal"],
    ),
    situation(
        "acc-pw-reset-mail-missing",
        "Password Reset",
        "u",
        "Password reset email never arrives",
        ["no password reset email", "reset link not arriving", "reset link expired"],
        [
            "I clicked 'forgot password' three times and the reset email never arrives, not even in junk.",
            "The password reset link I get has already expired when I open it, even straight away.",
            "I requested a password reset for {app} but the email with the link doesn't come through.",
        ],
        error=[
            "The link has expired. Please request a new password reset.",
            "This reset link is invalid or has already been used.",
        ],
    ),
    situation(
        "acc-pw-change-howto",
        "Password Reset",
        "m",
        "User asks how to change their password before it expires",
        ["how do i change my password", "password expiring soon", "change password how"],
        [
            "I got a notification that my password expires in 3 days. How do I change it from my laptop?",
            "Quick question: how can I change my password myself? I keep getting the 'expires soon' reminder.",
            "My password is about to expire and I'm not sure how to change it on a Mac. Is there a guide?",
        ],
        request=True,
    ),
    # ---- Account Lockout
    situation(
        "acc-lock-repeated",
        "Account Lockout",
        "ut",
        "Account keeps locking out repeatedly",
        ["account locked again", "keep getting locked out", "locked out every morning"],
        [
            "My account gets locked every morning around 9 and I have to call you to unlock it. This is the third day "
            "in a row.",
            "I keep getting locked out of my account even though I'm typing the right password. It unlocks and then "
            "locks again an hour later.",
            "Something keeps locking my account. You unlock it, it works for a while, then it's locked again.",
        ],
        group="Identity & Access Management",
        error=[
            "The referenced account is currently locked out and may not be logged on to.",
            "Event ID 4740: A user account was locked out.\nCaller Computer Name: LAPTOP-7QK2M",
        ],
    ),
    situation(
        "acc-lock-after-change",
        "Account Lockout",
        "u",
        "Account locked out after a password change",
        ["locked out after password change", "account locked", "my account is locked"],
        [
            "I changed my password yesterday and now my account is locked. I think an old device still has the old "
            "password.",
            "After resetting my password I got locked out. It says the account is currently locked out and may not be "
            "logged on to.",
            "My account got locked right after I changed my password this morning. Can you unlock it?",
        ],
        error=[
            "The referenced account is currently locked out and may not be logged on to.",
        ],
    ),
    situation(
        "acc-lock-business-app",
        "Account Lockout",
        "u",
        "User locked out of {app} after too many login attempts",
        ["locked out of {app}", "{app} account locked", "{app} user locked"],
        [
            "I'm locked out of {app} after entering the wrong password too many times. Can you unlock my user?",
            "{app} says my user is locked. I need it unlocked to post invoices.",
            "My {app} account got locked this morning, I think I used my old password by mistake.",
        ],
        app=["SAP", "Oracle EBS", "Workday", "NetSuite", "Dynamics 365", "Salesforce"],
        error=[
            "User is locked. Contact your system administrator.",
            "Password logon no longer possible - too many failed attempts",
        ],
    ),
    situation(
        "acc-lock-disabled-leave",
        "Account Lockout",
        "u",
        "Account disabled during long leave needs re-enabling",
        ["account disabled after leave", "re-enable my account", "account disabled"],
        [
            "I'm back from parental leave and my account has been disabled. Can you re-enable it?",
            "I've been on long-term sick leave and now I can't log in, it says my account is disabled.",
            "My account was deactivated while I was on sabbatical. My manager {manager} can confirm I'm back as of "
            "today.",
        ],
        request=True,
        group="Identity & Access Management",
    ),
    situation(
        "acc-lock-contractor-expired",
        "Account Lockout",
        "ut",
        "Contractor account expired and needs an extension",
        ["contractor account expired", "extend contractor account", "consultant cant log in"],
        [
            "The account of our contractor {person} expired yesterday and they can't log in. The contract was "
            "extended until the end of the year.",
            "Please extend the account expiry for our external consultant {person}, it ran out on Friday.",
            "Our freelancer's login stopped working because the account end date passed. We need it extended by three "
            "months.",
        ],
        request=True,
        group="Identity & Access Management",
    ),
    situation(
        "acc-lock-shared-scanner",
        "Account Lockout",
        "t",
        "Shared warehouse scanner account is locked out",
        ["scanner account locked", "warehouse login locked", "handheld login locked"],
        [
            "The shared login we use on the warehouse scanners is locked, so none of the handhelds can log in.",
            "Our shift account for the handheld scanners got locked out, the pickers can't scan anything.",
            "The generic warehouse account is locked again, every scanner at {site} shows 'account locked'.",
        ],
        group="Identity & Access Management",
        dept=["Logistics", "Operations", "Warehouse", "Dispatch", "Goods-in"],
        error=[
            "Account locked. Contact supervisor.",
            "Login failed: user account is locked",
        ],
    ),
    situation(
        "acc-lock-vpn",
        "Account Lockout",
        "u",
        "User locked out of the VPN login after failed attempts",
        ["vpn account locked", "locked out vpn", "vpn says account locked"],
        [
            "I typed my password wrong a few times on the VPN and now it says my account is locked.",
            "The VPN login says too many failed attempts and my account is locked for 30 minutes, but it's been two "
            "hours.",
            "I'm locked out: {vpn} says the account is locked after my failed logins this morning.",
        ],
        error=[
            "Login failed. Your account has been locked.",
            "Authentication failed: account locked out",
        ],
    ),
    situation(
        "acc-lock-laptop-remote",
        "Account Lockout",
        "u",
        "User locked out of their laptop while working remotely",
        ["locked out of laptop", "laptop says account locked", "cant log in locked"],
        [
            "My laptop says the account is locked and I'm working from home, so I can't even get on the VPN.",
            "I'm locked out of Windows on my laptop. I'm at home today and need to get in to work.",
            "The login screen on my {laptop} says my account is locked out. I'm not in the office.",
        ],
        error=[
            "The referenced account is currently locked out and may not be logged on to.",
        ],
    ),
    situation(
        "acc-lock-service-account",
        "Account Lockout",
        "to",
        "Service account {svc} keeps locking out and jobs fail",
        ["{svc} locked out", "service account locked", "{svc} locked again"],
        [
            "The service account {svc} keeps getting locked out, and every time it does the scheduled jobs fail.",
            "{svc} is locked again. Someone probably changed the password in one place and not the others.",
            "Our integration stopped because the service account {svc} is locked out.",
        ],
        group="Identity & Access Management",
        voice="system",
        svc=["svc_backup", "svc_sqlagent", "svc_reporting", "svc_sftp", "svc_erp_batch"],
        error=[
            "Logon failure: the user account {svc} is locked out.",
            "Event ID 4740: A user account was locked out.\nAccount Name: {svc}\nCaller Computer Name: {server}",
            "The service did not start due to a logon failure.",
        ],
    ),
    situation(
        "acc-lock-mac",
        "Account Lockout",
        "u",
        "User locked out of their Mac after a password mismatch",
        ["locked out of my mac", "mac wont accept password", "mac account locked"],
        [
            "My MacBook won't accept my password any more after I changed it on my Windows PC, and now it says the "
            "account is locked.",
            "I'm locked out of my Mac. The login screen shakes and says too many attempts, try again later.",
            "My Mac locked me out after the password change, the old and new passwords are both refused.",
        ],
        error=[
            "Too many attempts. Try again in 1 hour.",
            "Your account is locked.",
        ],
    ),
    situation(
        "acc-lock-web-portal",
        "Account Lockout",
        "mu",
        "User locked out of {portal}",
        ["locked out of {portal}", "{portal} account locked", "cant log into {portal}"],
        [
            "I'm locked out of {portal}. It says the account is locked for security reasons and to contact IT.",
            "I can't log in to {portal}, it keeps saying my account has been locked after too many attempts.",
            "{portal} has locked my account. I need to submit something there this week.",
        ],
        portal=["the HR portal", "the expenses tool", "the benefits portal", "the travel booking site"],
        error=[
            "Your account has been locked for security reasons. Please contact IT.",
            "Account locked after 5 unsuccessful attempts.",
        ],
    ),
    # ---- Permission Request
    situation(
        "acc-perm-share",
        "Permission Request",
        "mut",
        "Access requested to the {share} shared folder",
        ["need access to {share}", "access to shared folder", "folder access request"],
        [
            "Could I get read and write access to {share}? My manager {manager} has approved it.",
            "I need access to {share} for the month-end work, I don't have it yet.",
            "Please give me access to {share}, I've joined the project team and need the files there.",
        ],
        request=True,
    ),
    situation(
        "acc-perm-sharepoint",
        "Permission Request",
        "mu",
        "Access requested to {sharepoint}",
        ["access to {sharepoint}", "sharepoint access", "need edit rights sharepoint"],
        [
            "Can you add me to {sharepoint}? I get a 'request access' page when I open the link.",
            "I need edit rights on {sharepoint} to upload the new documents.",
            "Please grant me access to {sharepoint}. I'm covering for {person} while they are on leave.",
        ],
        request=True,
    ),
    situation(
        "acc-perm-local-admin",
        "Permission Request",
        "mu",
        "Local admin rights requested on a laptop",
        ["need admin rights", "local admin request", "admin rights on my laptop"],
        [
            "I'm a developer and need local admin rights on my laptop to install and debug tools.",
            "Could I get temporary admin rights on my machine? I need to install drivers for a lab instrument.",
            "Requesting local administrator access on my laptop ({asset}) for the next two weeks for a migration "
            "project.",
        ],
        request=True,
    ),
    situation(
        "acc-perm-app-role",
        "Permission Request",
        "mu",
        "Role change requested in {app}",
        ["{app} role change", "need approver role in {app}", "more permissions in {app}"],
        [
            "I've been promoted to team lead and need the approver role in {app}.",
            "Please add the purchasing role to my {app} user, I now raise purchase orders for the team.",
            "I need additional permissions in {app} to run the monthly reports, at the moment the menu is greyed out.",
        ],
        request=True,
        app=["SAP", "Salesforce", "Workday", "Dynamics 365", "NetSuite", "Coupa"],
    ),
    situation(
        "acc-perm-lost-access",
        "Permission Request",
        "ut",
        "User lost access to a folder they could open before",
        ["access denied on folder", "lost access to {share}", "no permission anymore"],
        [
            "Since {since} I get 'access denied' on {share}, which I've used every day for years.",
            "All of a sudden I can't open {share} any more, it says I don't have permission. Nothing changed on my "
            "side.",
            "My access to {share} seems to have disappeared, I think someone changed the group membership.",
        ],
        error=[
            "Windows cannot access {share}. You do not have permission to access it.",
            "Access is denied.",
        ],
    ),
    situation(
        "acc-perm-new-starter",
        "Permission Request",
        "ut",
        "Accounts and access needed for a new starter in {dept}",
        ["new starter access", "accounts for new joiner", "new joiner setup"],
        [
            "We have a new starter, {person}, joining {dept} on {weekday}. Please set up their account, email and the "
            "same access as {manager}.",
            "Please create accounts for a new team member starting next week: {person}, {dept}, based in {site}.",
            "New joiner in {dept}: needs a network login, a mailbox and access to {app} and {share}.",
        ],
        request=True,
    ),
    situation(
        "acc-perm-leaver",
        "Permission Request",
        "mu",
        "Access removal requested for a leaver",
        ["leaver remove access", "disable account of leaver", "revoke access leaver"],
        [
            "{person} leaves the company on {day}. Please disable their account and remove access to {app} after that.",
            "Please remove all access for our leaver {person} ({dept}) as of today and forward their mail to me.",
            "An employee in my team has resigned, last day is {day}. Can you make sure their access is revoked?",
        ],
        request=True,
    ),
    situation(
        "acc-perm-powerbi-workspace",
        "Permission Request",
        "mu",
        "Access requested to the {ws} Power BI workspace",
        ["power bi workspace access", "access to {ws} dashboard", "add me to power bi workspace"],
        [
            "Could you give me viewer access to the {ws} workspace in Power BI?",
            "I need to be added as a contributor to the {ws} Power BI workspace to publish my reports.",
            "I can't see the {ws} dashboards that my team uses. Can I get access to that workspace?",
        ],
        request=True,
        ws=["Sales Performance", "Finance KPIs", "Supply Chain", "HR Analytics", "Customer Service"],
    ),
    situation(
        "acc-perm-role-move",
        "Permission Request",
        "mu",
        "Access change needed after a move to the {newteam} team",
        ["changed team need new access", "access for new role", "move to {newteam} access"],
        [
            "I'm moving from {oldteam} to the {newteam} team. Please give me the {newteam} access and remove my old "
            "{oldteam} permissions.",
            "I've changed roles and now work in {newteam}. My access still reflects my old job in {oldteam}, can you "
            "update it?",
            "Internal transfer: I joined {newteam} from {oldteam} this week and can't open any of the {newteam} "
            "folders yet.",
        ],
        request=True,
        newteam=["Finance", "HR", "Legal", "Procurement", "Engineering"],
        oldteam=["Sales", "Marketing", "Customer Service", "Logistics"],
    ),
    situation(
        "acc-perm-project-tool",
        "Permission Request",
        "m",
        "Access requested to the {project} project in {tool}",
        ["add me to {project} in {tool}", "{tool} access", "{tool} project access"],
        [
            "Please add me to the {project} project in {tool}, I've joined the team this week.",
            "Can I get access to the {project} space in {tool}? I'm the new business analyst.",
            "I need edit access to the {project} board in {tool} to update my tasks.",
        ],
        request=True,
        group="Service Desk",
        tool=["Jira", "Confluence", "Miro", "Smartsheet", "Asana"],
        project=["Phoenix", "Atlas", "Orion", "Nova", "Helios"],
    ),
    situation(
        "acc-perm-group-owner",
        "Permission Request",
        "m",
        "Ownership of an access group requested",
        ["make me group owner", "access group owner left", "change group owner"],
        [
            "The owner of the access group for {share} has left. Can you make me the owner so I can approve requests?",
            "Please transfer ownership of the {dept} access group to me, the previous manager moved on.",
            "Nobody can approve access requests for {share} because the group owner left. I'm the new team lead.",
        ],
        request=True,
    ),
    # ---- MFA & SSO
    situation(
        "acc-mfa-new-phone",
        "MFA & SSO",
        "u",
        "User cannot approve MFA after moving to a new phone",
        ["new phone mfa not working", "authenticator on new phone", "mfa new phone"],
        [
            "I got a new {phone} and didn't move the Authenticator app. Now I can't approve sign-ins.",
            "I switched phones at the weekend and now the MFA prompts go to the old phone, which I already wiped.",
            "Traded in my old phone and lost the authenticator with it. I can't sign in to anything that needs MFA.",
        ],
        error=[
            "We didn't hear from you. We sent a notification to your mobile device but didn't receive a response.",
            "Approve sign-in request. Open your Authenticator app and enter the number shown to sign in.",
        ],
    ),
    situation(
        "acc-mfa-no-push",
        "MFA & SSO",
        "um",
        "MFA push notifications are not arriving",
        ["mfa push not coming", "no authenticator notification", "mfa not working"],
        [
            "I'm not getting the Authenticator push notification when I sign in, it just times out.",
            "The sign-in request never shows up on my phone, so I can't complete the login.",
            "MFA approval notifications stopped arriving on my {phone}. I have to open the app and refresh it every "
            "time.",
        ],
        error=[
            "We didn't hear from you. We sent a notification to your mobile device but didn't receive a response.",
            "Request timed out",
        ],
    ),
    situation(
        "acc-mfa-sms",
        "MFA & SSO",
        "u",
        "MFA text message codes are not arriving",
        ["no sms code", "verification code not arriving", "mfa text not received"],
        [
            "I'm not receiving the SMS verification code when I log in. My number ends in {digits}.",
            "The text message with the sign-in code never comes, I've tried 'resend' several times.",
            "It says 'we couldn't send a verification code' when I try to log in, and no text arrives.",
        ],
        digits=["412", "871", "090", "337", "562"],
        error=[
            "We couldn't send a verification code. Try again later.",
            "We didn't receive the code. Please try again.",
        ],
    ),
    situation(
        "acc-mfa-no-phone",
        "MFA & SSO",
        "u",
        "User without their phone needs a temporary MFA access pass",
        ["left phone at home mfa", "need temporary access pass", "phone broken cant do mfa"],
        [
            "I left my phone at home and can't do the MFA. Can you give me a temporary access pass for today?",
            "My phone broke and the authenticator with it. I need a way to sign in until the new one arrives.",
            "My phone is being repaired so I can't approve sign-ins. Is there another way to log in this week?",
        ],
    ),
    situation(
        "acc-sso-loop",
        "MFA & SSO",
        "ut",
        "SSO login to {app} loops back to the sign-in page",
        ["{app} login loop", "sso redirect loop", "cant get into {app} sso"],
        [
            "When I open {app} it goes to the company login, then back to {app}, then to the login again, forever.",
            "Single sign-on to {app} is stuck in a redirect loop, {browser} ends up saying too many redirects.",
            "I can't get into {app}: after signing in it just bounces me back to the company login page.",
        ],
        error=[
            "Too many redirects.",
            "ERR_TOO_MANY_REDIRECTS",
            "This page isn't working: redirected you too many times.",
        ],
    ),
    situation(
        "acc-sso-new-app",
        "MFA & SSO",
        "mu",
        "Request to set up single sign-on for {saas}",
        ["sso for {saas}", "set up sso", "{saas} single sign-on"],
        [
            "We bought {saas} for the {dept} team and would like people to log in with their company account. Can you "
            "set up SSO?",
            "Please integrate {saas} with our single sign-on, the vendor has sent the SAML metadata.",
            "Could {saas} be added to the company login so we don't need separate passwords?",
        ],
        request=True,
        saas=["Miro", "Slack", "Zoom", "Smartsheet", "DocuSign", "Lucidchart", "Figma"],
    ),
    situation(
        "acc-sso-not-assigned",
        "MFA & SSO",
        "u",
        "User not assigned to {app} in single sign-on",
        ["not assigned to {app}", "{app} sso error", "cant open {app}"],
        [
            "When I try to open {app} I get 'AADSTS50105: The signed in user is not assigned to a role for the "
            "application'.",
            "{app} login says I'm not assigned to the application, but my colleagues can get in.",
            "Sign-in to {app} fails with an error saying my user isn't assigned. I'm new in {dept}.",
        ],
        error=[
            "AADSTS50105: The signed in user is not assigned to a role for the application.",
        ],
    ),
    situation(
        "acc-mfa-security-key",
        "MFA & SSO",
        "mu",
        "Replacement hardware security key requested",
        ["yubikey broken", "new security key", "lost my yubikey"],
        [
            "My YubiKey stopped working, the light doesn't come on any more. Can I get a replacement?",
            "I lost my hardware security key on the train. Please disable it and send me a new one.",
            "The security key I use for signing in is cracked and only works sometimes. Can I have a new one?",
        ],
        request=True,
    ),
    situation(
        "acc-mfa-too-many-prompts",
        "MFA & SSO",
        "mu",
        "MFA prompts appear far too often on a trusted device",
        ["too many mfa prompts", "mfa every hour", "keeps asking for mfa"],
        [
            "I'm asked for MFA every hour on my own laptop, even though I tick 'don't ask again'.",
            "The Authenticator prompts me several times a day for the same apps. Is that normal?",
            "Every time I open {app} I have to approve a sign-in again, even on the office network.",
        ],
        error=[
            "Approve sign-in request",
            "Verify your identity",
        ],
    ),
    situation(
        "acc-sso-cert-expired",
        "MFA & SSO",
        "o",
        "Single sign-on to {app} failing for all users",
        ["{app} sso down", "saml error {app}", "nobody can log into {app}"],
        [
            "Nobody can log in to {app} via SSO since {since}, the error mentions SAML signature validation failed. "
            "Probably a certificate expired.",
            "All users get a SAML error when opening {app}. It looks like the SSO certificate has expired.",
            "Single sign-on to {app} is broken for the whole company, everyone gets the same sign-in error.",
        ],
        error=[
            "SAML response signature validation failed.",
            "AADSTS500133: Assertion is not within its valid time range.",
            "Invalid SAML response: certificate expired",
        ],
    ),
    situation(
        "acc-mfa-setup-help",
        "MFA & SSO",
        "m",
        "User needs help setting up MFA on their phone",
        ["how to set up mfa", "mfa setup help", "register authenticator"],
        [
            "I've been asked to set up multi-factor authentication but I don't understand the instructions. Can "
            "someone walk me through it?",
            "How do I register the Authenticator app on my {phone}? I got the enrolment email today.",
            "I need to enrol in MFA before {day} according to the email. Where do I start?",
        ],
        request=True,
        group="Service Desk",
    ),
]
