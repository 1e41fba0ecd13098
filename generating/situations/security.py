"""Security situations: phishing, malware, data loss, suspicious activity."""

from __future__ import annotations

from generating.situations.base import situation

# situation(id, subcategory, impacts, summary, short, bodies, group=, request=, voice=, **slots)
SECURITY = [
    # ---- Phishing
    situation(
        "sec-phish-fake-invoice",
        "Phishing",
        "mut",
        "Suspicious invoice email with a macro attachment reported",
        ["suspicious invoice email", "phishing invoice", "fake invoice mail"],
        [
            "I received an email about an overdue invoice from a supplier we don't use, with an .xlsm attachment.",
            "Suspicious email: 'Invoice #88231 overdue - payment required', sender address looks odd.",
            "Got an invoice email from '{vendor}' but the domain is misspelled and it asks me to enable macros.",
        ],
        error=[
            "Invoice #88231 overdue - payment required",
            "From: Accounts <billing@fabrikam-invoices.co>\n"
            "Subject: Invoice #88231 overdue\n"
            "Attachment: Invoice_88231.xlsm",
        ],
    ),
    situation(
        "sec-phish-credentials",
        "Phishing",
        "um",
        "User entered credentials on a fake login page from a phishing email",
        ["clicked phishing link", "entered password on fake page", "i think i got phished"],
        [
            "I clicked a link in an email saying my password expires today and entered my username and password.",
            "I think I fell for a phishing mail. The login page looked like ours but the address was strange.",
            "An email asked me to verify my mailbox, I logged in on the page and only then noticed the URL.",
        ],
        error=[
            "Action required: your password expires today",
            "From: Microsoft 365 <no-reply@rnicrosoft-support.com>\n"
            "Subject: Action required: your password expires today\n"
            "Link: hxxps://m365-verify-login[.]com/auth",
        ],
    ),
    situation(
        "sec-phish-ceo-fraud",
        "Phishing",
        "mu",
        "Email impersonating an executive asks for gift cards",
        ["ceo fraud email", "fake ceo asking gift cards", "impersonation email"],
        [
            "I got an email from our CEO's name asking me to buy gift cards urgently and keep it confidential.",
            "Someone pretending to be {manager} emailed from a Gmail address asking for a quick favour and my number.",
            "Email claiming to be from the CFO asks me to make an urgent bank transfer, the address isn't ours.",
        ],
        error=[
            "Are you at your desk? I need a quick favour.",
            "From: CEO <ceo.office.mail@gmail.com>\nSubject: Urgent and confidential",
        ],
    ),
    situation(
        "sec-phish-m365-login",
        "Phishing",
        "mut",
        "Phishing email imitating a Microsoft 365 login reported",
        ["fake microsoft email", "phishing m365", "fake login email"],
        [
            "I received a 'Microsoft 365' email saying my mailbox storage is full with a link to verify my account.",
            "Phishing mail pretending to be from IT asking us to re-enter our password on a login page.",
            "An email with our logo says a document was shared with me and asks me to sign in to view it.",
        ],
        error=[
            "Your mailbox storage is full - verify now to avoid losing emails",
            "{person} shared 'Q3 Bonus Overview.pdf' with you. Sign in to view.",
        ],
    ),
    situation(
        "sec-phish-parcel",
        "Phishing",
        "m",
        "Fake parcel delivery notification reported",
        ["fake parcel email", "dhl phishing", "delivery scam mail"],
        [
            "I got a DHL email saying my parcel is on hold and I need to pay a customs fee. I'm not expecting any "
            "parcel.",
            "Suspicious delivery notification asking me to confirm my address and card details.",
            "An email from a courier I don't know wants me to reschedule a delivery via a strange link.",
        ],
        error=[
            "DHL: your parcel is on hold, confirm your address",
            "Your package could not be delivered. Pay the 1.99 EUR customs fee.",
        ],
    ),
    situation(
        "sec-phish-sms",
        "Phishing",
        "mu",
        "Suspicious text message to the work phone reported",
        ["phishing text", "smishing", "suspicious sms"],
        [
            "I got a text on my work phone saying my account will be locked unless I click a link.",
            "Suspicious SMS pretending to be from our bank asking me to confirm a payment.",
            "A text message with the company name asks me to scan a QR code to keep my mailbox.",
        ],
        error=[
            "Your account will be locked today. Verify now: hxxp://corp-verify[.]info",
            "Bank alert: payment of 950.00 pending, confirm here",
        ],
    ),
    situation(
        "sec-phish-vishing",
        "Phishing",
        "mu",
        "Phone call from someone impersonating IT support reported",
        ["fake it support call", "vishing call", "someone called pretending to be it"],
        [
            "Someone called me saying they were from IT and asked me to read out my MFA code.",
            "A caller claiming to be from the service desk wanted me to install a remote support tool.",
            "I received a call from 'Microsoft support' asking for my login details.",
        ],
    ),
    situation(
        "sec-phish-bank-change",
        "Phishing",
        "mu",
        "Email requesting a change of supplier bank details reported",
        ["supplier bank details change email", "suspicious bank change request", "payment fraud email"],
        [
            "We received an email from {vendor} asking us to update their bank details for the next payment. The "
            "email address is slightly different.",
            "A supplier email says they changed banks and all invoices should now be paid to a new account.",
            "Suspicious request from '{vendor}' to change their IBAN before Friday's payment run.",
        ],
        error=[
            "Please note our new bank details for all future payments.",
            "Updated remittance details - urgent",
        ],
    ),
    situation(
        "sec-phish-qr",
        "Phishing",
        "mu",
        "Email with a suspicious QR code reported",
        ["qr code phishing", "suspicious qr email", "scan qr to keep account"],
        [
            "An email says I must scan a QR code to keep MFA active. It doesn't look right.",
            "I got a PDF with a QR code 'to review a shared document'.",
            "Suspicious QR code in an email from 'HR' about the new benefits portal.",
        ],
        error=[
            "Scan the QR code to keep multi-factor authentication active",
            "Your MFA settings expire today - scan to re-enrol",
        ],
    ),
    situation(
        "sec-phish-colleague-account",
        "Phishing",
        "ut",
        "Phishing email sent from a colleague's real account",
        ["phishing from colleague", "colleague account sending phishing", "strange email from coworker"],
        [
            "I received a strange email from {person}'s real address with a link to a shared file, they say they "
            "didn't send it.",
            "A colleague's mailbox is sending out 'please review this document' emails to everyone.",
            "Got a phishing email from an internal address in {dept}.",
        ],
        error=[
            "{person} has shared a document with you: Review_Contract.pdf",
            "Please review the attached file and sign in to view",
        ],
    ),
    situation(
        "sec-phish-campaign",
        "Phishing",
        "to",
        "Phishing campaign hitting many mailboxes",
        ["phishing campaign", "many people got phishing", "mass phishing email"],
        [
            "Lots of people in the office received the same phishing email about a salary review.",
            "A phishing mail 'Updated holiday policy' has gone to a large part of the company.",
            "We're seeing the same fake login email in many inboxes across {site}.",
        ],
        error=[
            "Updated holiday policy - read and confirm",
            "Subject: Salary review 2025 - confidential\nFrom: HR Department <hr@example-payroll.net>",
        ],
    ),
    # ---- Malware
    situation(
        "sec-mal-defender-alert",
        "Malware",
        "mu",
        "Antivirus detected a threat on the user's laptop",
        ["virus alert", "defender found threat", "antivirus popup"],
        [
            "Windows Defender popped up saying it found a threat: Trojan:Win32/Wacatac.B!ml.",
            "My antivirus says it quarantined something from my Downloads folder.",
            "Got a 'Threats found' notification after opening a file from a USB stick.",
        ],
        error=[
            "Trojan:Win32/Wacatac.B!ml detected",
            "Threat quarantined: PUA:Win32/Presenoker",
            "Microsoft Defender Antivirus\n"
            "Threat: Trojan:Win32/Wacatac.B!ml\n"
            "Severity: Severe\n"
            "File: C:\\Users\\Public\\Downloads\\invoice_viewer.exe\n"
            "Action: Quarantine failed",
        ],
    ),
    situation(
        "sec-mal-ransom-note",
        "Malware",
        "o",
        "Ransomware note and encrypted files found",
        ["ransomware", "files encrypted ransom note", "ransom message on screen"],
        [
            "My files have strange extensions and there's a text file saying they're encrypted and to pay in bitcoin.",
            "A ransom note appeared on my screen and I can't open any documents on {share}.",
            "All files in our department folder were renamed to .locked and there's a README about paying.",
        ],
        error=[
            "YOUR FILES ARE ENCRYPTED. To recover them, read README_RESTORE.txt",
            "Ransom:Win32/Conti.A",
        ],
    ),
    situation(
        "sec-mal-popups",
        "Malware",
        "mu",
        "Browser shows unwanted pop-ups and redirects",
        ["browser popups", "adware", "browser redirecting"],
        [
            "My browser keeps opening pop-up ads and redirecting to strange sites.",
            "{browser} opens new tabs with 'your computer is infected' messages.",
            "Search results in {browser} go to a different search engine full of ads.",
        ],
        error=[
            "Your computer is infected! Call support now",
            "Allow notifications to continue",
        ],
    ),
    situation(
        "sec-mal-usb-found",
        "Malware",
        "m",
        "Unknown USB stick found in the office",
        ["found usb stick", "unknown usb", "usb in car park"],
        [
            "I found a USB stick in the car park labelled 'Salaries 2025'. I haven't plugged it in.",
            "There's an unknown USB drive plugged into the back of the reception PC.",
            "Someone left USB sticks on desks in the {floor} floor kitchen.",
        ],
    ),
    situation(
        "sec-mal-macro-opened",
        "Malware",
        "u",
        "User opened an attachment and enabled macros",
        ["opened suspicious attachment", "enabled macros on bad file", "clicked enable content"],
        [
            "I opened a Word attachment and clicked 'Enable content' before I realised it was suspicious.",
            "I ran a file called invoice_viewer.exe from an email. Nothing seemed to happen.",
            "I opened a zip attachment from an unknown sender and a window flashed and disappeared.",
        ],
        error=[
            "SECURITY WARNING Macros have been disabled. Enable Content",
            "Behavior:Win32/SuspRemoteThread",
        ],
    ),
    situation(
        "sec-mal-strange-processes",
        "Malware",
        "u",
        "Unknown processes and high CPU on the user's laptop",
        ["strange processes", "laptop acting weird", "unknown program running"],
        [
            "My laptop fan runs at full speed and Task Manager shows a process I don't recognise using 90% CPU.",
            "Programs open and close by themselves and a command window flashes at startup.",
            "There's a new program called 'svchostt' running that I didn't install.",
        ],
        error=[
            "Behavior:Win32/SuspRemoteThread",
            "HEUR:Trojan.Script.Generic",
        ],
    ),
    situation(
        "sec-mal-browser-extension",
        "Malware",
        "mu",
        "Malicious browser extension installed",
        ["bad browser extension", "extension i didnt install", "browser hijacked"],
        [
            "An extension I never installed appeared in {browser} and changed my homepage.",
            "My browser has a 'PDF converter' extension that injects ads into every page.",
            "I can't remove a browser extension, it comes back after every restart.",
        ],
        error=[
            "This extension may have been corrupted",
            "Search engine changed by an extension",
        ],
    ),
    situation(
        "sec-mal-share-encrypted",
        "Malware",
        "to",
        "Files on a network share being encrypted",
        ["files on share encrypted", "share files renamed", "ransomware on share"],
        [
            "Files on {share} are being renamed with random extensions right now.",
            "Nobody can open documents on {share}, they all seem encrypted.",
            "We see thousands of files changing on {share} in the last hour.",
        ],
        error=[
            "Ransom:Win32/Conti.A",
            "Files renamed to *.locked, README_RESTORE.txt in every folder",
        ],
    ),
    situation(
        "sec-mal-fake-antivirus",
        "Malware",
        "um",
        "Fake antivirus warning asks the user to call a number",
        ["fake virus warning", "scam popup call number", "fake antivirus"],
        [
            "A full-screen warning says my PC is infected and to call a support number. I can't close it.",
            "My screen shows a fake 'Windows Security' alert with a phone number and beeping.",
            "A window claiming to be antivirus wants me to pay for a licence to remove viruses.",
        ],
        error=[
            "Windows Defender Security Warning: Access to this PC has been blocked. Call support: +1 555 0100",
            "Your PC is infected with 5 viruses!",
        ],
    ),
    situation(
        "sec-mal-mac-adware",
        "Malware",
        "m",
        "Adware suspected on a Mac",
        ["mac adware", "mac popups", "mac virus"],
        [
            "My MacBook keeps showing ads in Safari and a 'Mac cleaner' app appeared.",
            "Strange toolbar and pop-ups on my Mac since I installed a video converter.",
            "My Mac's browser homepage changed to a search site I don't know.",
        ],
        error=[
            "MacCleaner Pro found 1,204 issues",
            "Safari: search engine changed",
        ],
    ),
    situation(
        "sec-mal-cryptominer",
        "Malware",
        "uto",
        "Crypto-mining malware suspected on {server}",
        ["cryptominer on server", "server cpu mining", "xmrig found"],
        [
            "{server} is running at 100% CPU and we found a process called xmrig.",
            "Monitoring shows {server} connecting to a mining pool.",
            "An unknown process on {server} uses all the CPU and reconnects after we kill it.",
        ],
        voice="system",
        error=[
            "process xmrig using 380% CPU",
            "top - 09:14:02 up 41 days, load average: 31.72, 29.40, 25.11\n"
            "  PID USER  %CPU COMMAND\n"
            " 2231 www   380  xmrig",
        ],
    ),
    # ---- Data Loss
    situation(
        "sec-loss-laptop-lost",
        "Data Loss",
        "um",
        "Company laptop lost or stolen",
        ["laptop stolen", "lost my laptop", "laptop missing"],
        [
            "My laptop was stolen from my car last night. It had client files on it.",
            "I left my work laptop on the train this morning.",
            "My {laptop} was taken from a cafe while I was working. I've reported it to the police.",
        ],
    ),
    situation(
        "sec-loss-phone-lost",
        "Data Loss",
        "um",
        "Company phone lost and needs to be wiped",
        ["lost work phone", "phone stolen wipe", "company phone missing"],
        [
            "I lost my company phone in a taxi. Please wipe it, it has my email on it.",
            "My work {phone} was stolen at the airport.",
            "I can't find my work phone since the event yesterday. It has company data.",
        ],
    ),
    situation(
        "sec-loss-misdirected-email",
        "Data Loss",
        "ut",
        "Email with personal data sent to the wrong recipient",
        ["sent email to wrong person", "data sent to wrong customer", "misdirected email"],
        [
            "I accidentally sent a spreadsheet with customer data to the wrong external address.",
            "I emailed a payroll file to someone outside the company by mistake, autocomplete picked the wrong name.",
            "A contract with personal details went to the wrong customer this morning.",
        ],
    ),
    situation(
        "sec-loss-usb-lost",
        "Data Loss",
        "um",
        "USB drive with company data lost",
        ["lost usb with data", "usb stick missing", "memory stick lost"],
        [
            "I lost a USB stick with project documents on it. It wasn't encrypted.",
            "A memory stick with HR files went missing from my bag.",
            "I think I left my USB drive with client data at a customer site.",
        ],
    ),
    situation(
        "sec-loss-dlp-block",
        "Data Loss",
        "mu",
        "Data loss prevention policy blocked an outgoing email",
        ["dlp blocked email", "email blocked sensitive info", "policy tip blocking"],
        [
            "My email to an auditor was blocked: 'This message contains sensitive information'.",
            "I can't send a file to a customer, the DLP policy blocks it. It's a legitimate business need.",
            "Outlook shows a policy tip and won't send my email with bank details to a supplier.",
        ],
        voice="user",
        error=[
            "Policy tip: This message contains sensitive information (credit card number)",
            "DLP: upload of confidential file blocked",
        ],
    ),
    situation(
        "sec-loss-public-link",
        "Data Loss",
        "ut",
        "Confidential file shared publicly by link",
        ["file shared publicly", "anyone link shared", "confidential doc public link"],
        [
            "I realised a confidential price list on OneDrive was shared with an 'anyone with the link' link.",
            "A folder with HR documents was shared with a public link and the link is in an external email.",
            "The board pack was shared by link to people outside the company by mistake.",
        ],
        error=[
            "This item is shared with people outside your organisation",
        ],
    ),
    situation(
        "sec-loss-printed-docs",
        "Data Loss",
        "m",
        "Confidential printouts left at a shared printer",
        ["confidential printouts left", "documents found on printer", "payslips left on printer"],
        [
            "I found a pile of payslips left on the printer {printer_spot}.",
            "Someone printed customer contracts and left them on the shared printer overnight.",
            "Confidential HR letters are lying on the printer {printer_spot}.",
        ],
    ),
    situation(
        "sec-loss-leaver-download",
        "Data Loss",
        "ut",
        "Leaver suspected of downloading company data",
        ["leaver downloaded files", "data theft by leaver", "mass download before leaving"],
        [
            "An employee who resigned last week downloaded the whole customer list from {app}.",
            "We think a leaver copied project files to a personal USB drive before leaving.",
            "{person} left on Friday and we noticed large downloads from {share} on their last day.",
        ],
        error=[
            "Alert: unusual volume of file downloads",
            "Mass download: 4,812 files in 20 minutes",
        ],
    ),
    situation(
        "sec-loss-personal-cloud",
        "Data Loss",
        "mu",
        "Company files uploaded to a personal cloud account",
        ["uploaded to personal dropbox", "company files in personal cloud", "files in private google drive"],
        [
            "A colleague uploaded client files to their personal Dropbox to work from home.",
            "I accidentally synced a work folder to my personal Google Drive.",
            "We noticed files from {share} being uploaded to a private cloud account.",
        ],
        error=[
            "DLP: upload of confidential file blocked",
            "Alert: unusual volume of uploads to a personal cloud app",
        ],
    ),
    situation(
        "sec-loss-bag-stolen",
        "Data Loss",
        "um",
        "Bag with laptop and documents stolen",
        ["bag stolen with laptop", "bag stolen", "stolen documents and laptop"],
        [
            "My bag was stolen at the station with my laptop, badge and some printed contracts.",
            "Someone took my backpack with my work laptop and notebook in it.",
            "My bag was stolen from the car including the laptop and a folder of customer files.",
        ],
    ),
    # ---- Suspicious Activity
    situation(
        "sec-sus-unknown-signin",
        "Suspicious Activity",
        "mu",
        "Sign-in alert from an unfamiliar location",
        ["sign in from another country", "unusual sign in alert", "someone logged in as me"],
        [
            "I got an 'unusual sign-in activity' email about a login from Nigeria. That wasn't me.",
            "My account shows a sign-in from an IP I don't recognise at 3am.",
            "Microsoft says someone signed in to my account from another country.",
        ],
        error=[
            "Unusual sign-in activity: Lagos, Nigeria",
            "Unusual sign-in activity\n"
            "Country/region: Nigeria\n"
            "IP address: 102.89.34.11\n"
            "Date: today 03:14\n"
            "Platform: Windows\n"
            "Browser: Firefox",
        ],
    ),
    situation(
        "sec-sus-mfa-fatigue",
        "Suspicious Activity",
        "u",
        "Unrequested MFA prompts received",
        ["mfa prompts i didnt request", "getting approve sign in requests", "random mfa requests"],
        [
            "I keep getting MFA approval requests on my phone that I didn't trigger.",
            "My Authenticator asked me to approve a sign-in 20 times tonight, I denied them all.",
            "Random sign-in approvals pop up on my phone while I'm not logging in.",
        ],
        error=[
            "Approve sign-in request? Unknown location",
            "Are you trying to sign in?",
        ],
    ),
    situation(
        "sec-sus-password-changed",
        "Suspicious Activity",
        "u",
        "User password changed without their knowledge",
        ["password changed not by me", "someone changed my password", "password reset by someone else"],
        [
            "My password was changed this morning and it wasn't me.",
            "I got a 'your password was changed' email that I didn't do, and now I can't log in.",
            "Someone seems to have reset my password overnight.",
        ],
        error=[
            "Your password was changed",
            "The password for your account was recently changed.",
        ],
    ),
    situation(
        "sec-sus-inbox-rules",
        "Suspicious Activity",
        "u",
        "Unknown forwarding rule found in the mailbox",
        ["strange inbox rule", "emails forwarding to unknown address", "mail rule i didnt create"],
        [
            "I found a rule in my mailbox that forwards all emails to an external Gmail address.",
            "Some of my emails go straight to 'RSS Subscriptions' because of a rule I didn't create.",
            "Replies from customers disappear and there's a weird inbox rule.",
        ],
        error=[
            "New inbox rule created: move to RSS Subscriptions",
            "Rule: forward all messages to x8823@gmail.com",
        ],
    ),
    situation(
        "sec-sus-remote-control",
        "Suspicious Activity",
        "u",
        "Mouse moving by itself on the user's PC",
        ["mouse moving by itself", "someone controlling my pc", "remote control"],
        [
            "My mouse moved on its own and opened my email while I was watching.",
            "Someone seems to be controlling my computer remotely, windows open by themselves.",
            "I saw the cursor click around on my screen and type into the browser.",
        ],
    ),
    situation(
        "sec-sus-tailgating",
        "Suspicious Activity",
        "m",
        "Unknown person tailgated into the office",
        ["stranger in office", "tailgating", "unknown person in office"],
        [
            "A person without a badge followed me through the door at {site} and walked around the desks.",
            "Someone unknown was plugging a laptop into a network port in {room}.",
            "A man said he was from IT and asked to look at my PC, but nobody booked a visit.",
        ],
    ),
    situation(
        "sec-sus-port-scan",
        "Suspicious Activity",
        "to",
        "Port scanning detected from an internal host",
        ["port scan detected", "internal host scanning", "ids alert"],
        [
            "The IDS flagged {server} scanning other hosts on the internal network.",
            "We see one workstation in {site} probing hundreds of IP addresses.",
            "Firewall logs show repeated connection attempts from an internal machine to many ports.",
        ],
        voice="system",
        error=[
            "IDS alert: TCP port sweep from {server}",
            "ET SCAN Nmap Scripting Engine User-Agent Detected",
        ],
    ),
    situation(
        "sec-sus-spam-sent",
        "Suspicious Activity",
        "ut",
        "User account sending spam",
        ["my account sending spam", "people got emails from me", "spam from my mailbox"],
        [
            "Colleagues and customers got emails from me that I never sent.",
            "My Sent Items has hundreds of emails I didn't write.",
            "People say they're getting spam from my address.",
        ],
        error=[
            "Your account has been blocked from sending mail",
            "550 5.1.8 Access denied, bad outbound sender",
        ],
    ),
    situation(
        "sec-sus-unknown-device",
        "Suspicious Activity",
        "mt",
        "Unknown device connected to the network",
        ["unknown device on network", "rogue device", "unknown wifi access point"],
        [
            "There's a small box plugged into a network port under a desk on the {floor} floor.",
            "We found an unknown wireless access point broadcasting our company name.",
            "An unrecognised device appeared on the network in {site}.",
        ],
        error=[
            "New device on network: MAC 00:1A:2B:3C:4D:5E, vendor unknown",
        ],
    ),
    situation(
        "sec-sus-admin-created",
        "Suspicious Activity",
        "to",
        "Unexpected administrator account created",
        ["new admin account", "unknown admin", "privileged account created"],
        [
            "An admin account called 'support2' was created last night and nobody in IT knows about it.",
            "We noticed a new member in the Domain Admins group that nobody requested.",
            "Audit logs show a privileged account created outside of any change.",
        ],
        voice="system",
        error=[
            "Event ID 4728: A member was added to a security-enabled global group (Domain Admins)",
            "Event ID 4720: A user account was created: support2",
        ],
    ),
    situation(
        "sec-sus-vendor-portal",
        "Suspicious Activity",
        "mu",
        "Suspicious activity on a supplier portal account",
        ["strange activity supplier portal", "orders i didnt place", "vendor account misuse"],
        [
            "Our account on {vendor}'s portal shows orders nobody here placed.",
            "{vendor} says someone logged in with our credentials and changed the delivery address.",
            "I see logins to our {vendor} account from unknown locations.",
        ],
        error=[
            "New login from an unrecognised device",
            "Sign-in from unfamiliar IP address 185.220.101.4",
        ],
    ),
]
